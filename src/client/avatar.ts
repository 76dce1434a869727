/** Page side of publishing an avatar: the picked or dropped image cropped square and sized down, as PNG. */
import { formatSize } from '../shared/attachment.js';
import { MAX_PICKED_BYTES } from '../shared/limits.js';

/** The largest side published: enough for a list or a card, small enough for one stanza. */
export const AVATAR_SIZE = 192;

/** The centre square of `image`, at most AVATAR_SIZE pixels wide, as PNG bytes; rejects what the browser cannot decode. */
export async function squareAvatar(image: Blob): Promise<{ data: ArrayBuffer; width: number; height: number }> {
  if (!image.type.startsWith('image/')) throw new Error('Choose an image.');
  if (image.size > MAX_PICKED_BYTES) throw new Error(`This image is ${formatSize(image.size)}: choose one of at most ${formatSize(MAX_PICKED_BYTES)}.`);
  const bitmap = await createImageBitmap(image).catch(() => {
    throw new Error('This image cannot be read.');
  });
  const side = Math.min(bitmap.width, bitmap.height);
  const size = Math.min(side, AVATAR_SIZE);
  const canvas = new OffscreenCanvas(size, size);
  const g = canvas.getContext('2d')!;
  g.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, size, size);
  bitmap.close();
  const png = await canvas.convertToBlob({ type: 'image/png' });
  return { data: await png.arrayBuffer(), width: size, height: size };
}
