import { expect } from 'chai';
import { scriptUrl } from '../../src/client/script-url.js';

describe("Parley's Trusted Types policy for worker scripts", () => {
  it("makes a trusted URL of a script on the page's own origin", () => {
    const url = scriptUrl('/dist/parley-worker.js') as unknown;
    expect(url).to.be.instanceOf((globalThis as unknown as { TrustedScriptURL: new () => unknown }).TrustedScriptURL);
    expect(String(url)).to.equal(new URL('/dist/parley-worker.js', location.href).href);
  });

  it('refuses a script of another origin, so a worker URL set on an element cannot load one', () => {
    expect(() => scriptUrl('https://evil.example/worker.js')).to.throw(TypeError, /this site only/);
    expect(() => scriptUrl('data:text/javascript,postMessage(1)')).to.throw(TypeError);
  });
});
