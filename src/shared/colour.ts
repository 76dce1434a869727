/** Consistent Color Generation (XEP-0392): the same colour for a name everywhere, from its SHA-1. */
import { Hsluv } from 'hsluv';

/** §5.1: the hue angle, the first two bytes of the SHA-1 of the UTF-8 text, little-endian, as degrees. */
export async function hueOf(text: string): Promise<number> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text)));
  return ((digest[0]! | (digest[1]! << 8)) / 65536) * 360;
}

/** §5.4: the hue in HSLuv at saturation 100 and lightness 50, as a CSS hex colour. */
export async function colourOf(text: string): Promise<string> {
  const c = new Hsluv();
  c.hsluv_h = await hueOf(text);
  c.hsluv_s = 100;
  c.hsluv_l = 50;
  c.hsluvToHex();
  return c.hex;
}
