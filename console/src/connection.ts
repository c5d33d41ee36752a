/**
 * Whether Wharf answers: every call reports here. When it stops answering (a restart), the page
 * shows a banner and keeps polling; the first answer after that clears it and refreshes the page.
 */
type Listener = (up: boolean) => void;
const listeners = new Set<Listener>();
let up = true;

export function reportConnection(answered: boolean): void {
  if (answered === up) return;
  up = answered;
  for (const listener of listeners) listener(up);
}

export function onConnection(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function isUp(): boolean {
  return up;
}
