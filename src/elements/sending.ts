/**
 * <parley-composer> announces that the user sends a message, so <parley-conversation> shows it even
 * when scrolled up (e.g. answering an older message). Per page, never stored.
 */
class Sending extends EventTarget {
  /** The user sends a message in `conversation` (a bare JID). */
  announce(conversation: string): void {
    this.dispatchEvent(new CustomEvent<string>('send', { detail: conversation }));
  }
}

export const sending = new Sending();
