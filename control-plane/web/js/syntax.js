/**
 * Syntax highlighting for the Files tab: highlight.js (its pre-built ES module with the common
 * languages, /vendor/highlight.js), loaded the first time a diff is shown so the board's first
 * paint does not wait for it.
 */
const BY_EXTENSION = {
  ts: 'typescript', tsx: 'typescript', mts: 'typescript', cts: 'typescript', js: 'javascript', jsx: 'javascript', mjs: 'javascript', cjs: 'javascript',
  json: 'json', css: 'css', scss: 'scss', less: 'less', html: 'xml', htm: 'xml', xml: 'xml', svg: 'xml', vue: 'xml',
  md: 'markdown', markdown: 'markdown', py: 'python', rb: 'ruby', go: 'go', rs: 'rust', java: 'java', kt: 'kotlin', kts: 'kotlin',
  swift: 'swift', c: 'c', h: 'c', cc: 'cpp', cpp: 'cpp', hpp: 'cpp', cs: 'csharp', php: 'php', sh: 'bash', bash: 'bash', zsh: 'bash',
  sql: 'sql', yml: 'yaml', yaml: 'yaml', toml: 'ini', ini: 'ini', lua: 'lua', pl: 'perl', r: 'r', diff: 'diff', graphql: 'graphql',
};
const BY_NAME = { Dockerfile: 'dockerfile', Makefile: 'makefile' };

let loaded;
export function highlighter() {
  loaded ??= import('/vendor/highlight.js').then(({ default: hljs }) => ({
    languageOf(path) {
      const base = path.split('/').pop() ?? '';
      const lang = BY_NAME[base] ?? BY_EXTENSION[base.includes('.') ? base.split('.').pop().toLowerCase() : ''];
      return lang && hljs.getLanguage(lang) ? lang : undefined;
    },
    /**
     * The code lines of a unified diff (`lines`, with their +/-/space signs), highlighted: per
     * hunk, the new side (context and added lines) and the old side (context and deleted lines)
     * are each highlighted as one text, so a block comment or a template string spanning lines is
     * coloured right; then cut back into lines. Returns a fragment per code line (undefined for
     * hunk headers and notes). highlight.js escapes the code it wraps in <span class="hljs-…">,
     * and a <template> parses the result inert: nothing in a diff can become live markup.
     */
    patchLines(lines, lang) {
      const out = new Array(lines.length);
      let hunk = [];
      const flush = () => {
        const side = (keep) => hunk.filter((i) => keep.includes(lines[i][0]));
        for (const [indexes, signs] of [[side(' +'), ' +'], [side(' -'), '-']]) {
          const html = splitLines(hljs.highlight(indexes.map((i) => lines[i].slice(1)).join('\n'), { language: lang, ignoreIllegals: true }).value);
          indexes.forEach((i, n) => { if (signs.includes(lines[i][0])) out[i] = fragment(html[n] ?? ''); });
        }
        hunk = [];
      };
      lines.forEach((line, i) => {
        if (line.startsWith('@@')) flush();
        else if (' +-'.includes(line[0] ?? ' ') && line !== '') hunk.push(i);
        else if (line === '') { out[i] = fragment(''); }
      });
      flush();
      return out;
    },
  }));
  return loaded;
}

/**
 * highlight.js HTML cut at newlines: spans open at a line's end are closed there and reopened on
 * the next line, so each line is well-formed on its own.
 */
function splitLines(html) {
  const lines = [];
  const open = [];
  let line = '';
  for (const [token] of html.matchAll(/<span[^>]*>|<\/span>|[^<]+/g)) {
    if (token.startsWith('<span')) {
      open.push(token);
      line += token;
    } else if (token === '</span>') {
      open.pop();
      line += token;
    } else {
      const parts = token.split('\n');
      line += parts[0];
      for (const part of parts.slice(1)) {
        lines.push(line + '</span>'.repeat(open.length));
        line = open.join('') + part;
      }
    }
  }
  lines.push(line);
  return lines;
}

function fragment(html) {
  const template = document.createElement('template');
  template.innerHTML = html;
  return template.content;
}
