/**
 * dist/parley-intl.js: loads ICU's locale data into this process (see warm-intl.ts), then ends. The
 * results are posted (to no one) so the minifier keeps calls it would otherwise drop as unused.
 */
self.postMessage([new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(0), 'a'.localeCompare('b')]);
self.close();
