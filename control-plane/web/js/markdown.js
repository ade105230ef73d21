/**
 * Markdown for the Docs tab: marked (GitHub-flavoured) to HTML, then DOMPurify, always both:
 * agents write these docs, and a doc may quote anything (a <script>, an onerror=…) that must stay
 * text. Both load the first time a doc is shown (/vendor/marked.js, /vendor/purify.js).
 */
let loaded;
export function markdownRenderer() {
  loaded ??= Promise.all([import('/vendor/marked.js'), import('/vendor/purify.js')]).then(([{ Marked }, { default: DOMPurify }]) => {
    const marked = new Marked({ gfm: true, breaks: false });
    // Links in a doc open in a new tab and tell the other site nothing of the board.
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A' && node.getAttribute('href')) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
      }
    });
    return {
      /** A fragment of sanitized nodes, never an HTML string that something could insert raw. */
      render(markdown) {
        return DOMPurify.sanitize(marked.parse(markdown ?? '', { async: false }), { RETURN_DOM_FRAGMENT: true, FORBID_TAGS: ['style', 'form', 'input', 'button'] });
      },
    };
  });
  return loaded;
}
