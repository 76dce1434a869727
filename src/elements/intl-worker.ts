/** dist/parley-intl.js: loads ICU's locale data into this process (see warm-intl.ts), then ends. */
self.postMessage([new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(0), 'a'.localeCompare('b')]);
self.close();
