/**
 * Page side of HTTP File Upload (XEP-0363): the worker asks for the slot (refusing a file over the
 * server's limit first), the page PUTs the bytes with XMLHttpRequest (fetch cannot report upload
 * progress) and, once stored, the worker sends the file's URL with XEP-0066 data.
 */
import type { ParleyApi, UploadSlot } from '../shared/api.js';

export interface UploadControl {
  /** Bytes sent so far of `total`. */
  onProgress?(sent: number, total: number): void;
  /** Aborting it cancels the upload; nothing is sent then. */
  signal?: AbortSignal;
}

/** PUTs `file` to the slot; rejects on an HTTP error, a network error or a cancel. */
export function putFile(slot: UploadSlot, file: Blob, { onProgress, signal }: UploadControl = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DOMException('Upload cancelled.', 'AbortError'));
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', slot.put);
    for (const [name, value] of Object.entries(slot.headers)) xhr.setRequestHeader(name, value);
    if (file.type) xhr.setRequestHeader('Content-Type', file.type);
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.total || file.size);
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`The upload failed (HTTP ${xhr.status}).`)));
    xhr.onerror = () => reject(new Error('The upload failed (network error).'));
    xhr.onabort = () => reject(new DOMException('Upload cancelled.', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/** Uploads `file` and shares it with `to`; resolves with the sent message's origin-id. */
export async function shareFile(api: ParleyApi, to: string, file: File, control: UploadControl = {}): Promise<string> {
  const slot = await api.uploadSlot({ name: file.name || 'file', size: file.size, type: file.type });
  await putFile(slot, file, control);
  return api.sendFile(to, slot.get);
}
