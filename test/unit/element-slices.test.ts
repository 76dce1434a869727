import { expect } from 'chai';
import { html } from 'lit';
import { ParleyElement } from '../../src/elements/element.js';

const order: string[] = [];

/** An element whose drawing takes `cost` ms of the main thread (a long list, say). */
class Pane extends ParleyElement {
  cost = 0;
  override render() {
    const until = performance.now() + this.cost;
    while (performance.now() < until) {
      // drawing
    }
    order.push(`${this.id} drawn`);
    return html`<p>${this.id}</p>`;
  }
}
customElements.define('test-pane', Pane);

const pane = (id: string, cost: number) => {
  const el = document.createElement('test-pane') as Pane;
  el.id = id;
  el.cost = cost;
  document.body.append(el);
  return el;
};

describe('drawing of the larger elements', () => {
  it('leaves what is left to draw to a later task once a task has drawn for a while', async () => {
    const heavy = pane('heavy', 30);
    const light = pane('light', 0);
    await Promise.all([heavy.updateComplete, light.updateComplete]);
    order.length = 0;
    setTimeout(() => order.push('another task'));
    // Both asked in the same task, as when storage answers every pane at once.
    heavy.requestUpdate();
    light.requestUpdate();
    await light.updateComplete;
    expect(order).to.deep.equal(['heavy drawn', 'another task', 'light drawn']);
  });

  it('draws at once when the task has not drawn much', async () => {
    const a = pane('a', 0);
    const b = pane('b', 0);
    await Promise.all([a.updateComplete, b.updateComplete]);
    // The page ran other tasks since: drawing starts afresh.
    await new Promise((next) => setTimeout(next));
    order.length = 0;
    setTimeout(() => order.push('another task'));
    a.requestUpdate();
    b.requestUpdate();
    await b.updateComplete;
    expect(order).to.deep.equal(['a drawn', 'b drawn']);
  });
});
