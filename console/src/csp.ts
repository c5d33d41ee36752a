/**
 * The page's CSP allows styles from this origin and, inline, only with the nonce Wharf put in
 * index.html for this response. xterm.js creates <style> elements for its rows and theme; each
 * one created through document.createElement gets that nonce, so the policy stays strict.
 */
export function stampStyleNonce(): void {
  const nonce = document.querySelector('meta[name="csp-nonce"]')?.getAttribute('content');
  if (!nonce || nonce.startsWith('__')) return;
  const create = Document.prototype.createElement;
  Document.prototype.createElement = function (this: Document, tagName: string, options?: ElementCreationOptions) {
    const element = create.call(this, tagName, options);
    if (tagName.toLowerCase() === 'style') (element as HTMLStyleElement).nonce = nonce;
    return element;
  } as typeof create;
}
