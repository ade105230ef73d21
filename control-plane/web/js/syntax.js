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
     * One line as highlighted nodes. Lines are highlighted one at a time (a diff has gaps between
     * hunks), so a construct spanning lines, such as a block comment, is coloured per line.
     * highlight.js escapes the code it wraps in <span class="hljs-…">; the template parses it
     * inert, so nothing in a diff can become live markup.
     */
    line(code, lang) {
      const template = document.createElement('template');
      template.innerHTML = hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
      return template.content;
    },
  }));
  return loaded;
}
