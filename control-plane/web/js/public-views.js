import { createApi } from './api.js';
import { $ } from './dom.js';
import { createGallery } from './gallery.js';
import { createPublicBoard } from './public-board.js';

/**
 * The views anyone may open, routed by the URL's hash (ids only: never a key):
 * `#/gallery` and `#/projects/{id}` (a public project's board, read-only). Signed in, they read
 * with the session's key; signed out, without one (the API answers only what allows it). While
 * one is shown, `body[data-view="public"]` hides the signed-in board and the sign-in form.
 */
export function createPublicViews({ api }) {
  const signInHref = '#sign-in';
  const gallery = createGallery({ signInHref });
  const board = createPublicBoard({ signInHref });
  const root = $('#public-view');
  const anonymous = createApi('');

  function route() {
    const hash = location.hash;
    const project = /^#\/projects\/([0-9A-Za-z]{26})$/.exec(hash)?.[1];
    const caller = api.key ? api : anonymous;
    if (hash === '#/gallery') {
      root.replaceChildren(gallery.element);
      gallery.show(caller);
    } else if (project) {
      root.replaceChildren(board.element);
      board.show(caller, project);
    } else {
      delete document.body.dataset.view;
      root.hidden = true;
      root.replaceChildren();
      if (hash === signInHref && !api.key) $('#api-key')?.focus();
      return;
    }
    document.body.dataset.view = 'public';
    root.hidden = false;
  }

  window.addEventListener('hashchange', route);
  // Called again when someone signs in or out: the same view, read as the new caller.
  return { refresh: route };
}
