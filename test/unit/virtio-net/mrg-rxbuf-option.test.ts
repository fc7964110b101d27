/**
 * The `mrg-rxbuf` model option (virtio 1.2 §5.1.6.3): declared by the virtio model, `on` by default,
 * and when `off` the driver declines VIRTIO_NET_F_MRG_RXBUF and posts whole-packet buffers.
 */
import { describe, expect, it } from 'vitest';
import { ModelOptionError, resolveOptions } from '../../../models/platform/model.js';
import { virtioModel } from '../../../models/virtio/index.js';
import { NetFeature } from '../../../models/virtio/layout.js';
import { makeNetStack } from './net-stack.js';

describe('model option mrg-rxbuf', () => {
  it('is declared with values on/off, default on', () => {
    expect(resolveOptions(virtioModel, {})['mrg-rxbuf']).toBe('on');
    expect(resolveOptions(virtioModel, { 'mrg-rxbuf': 'off' })['mrg-rxbuf']).toBe('off');
    expect(() => resolveOptions(virtioModel, { 'mrg-rxbuf': 'maybe' })).toThrow(ModelOptionError);
  });

  for (const [value, mergeable, bufferBytes] of [
    ['on', true, 2048],
    ['off', false, 1526],
  ] as const) {
    it(`mrg-rxbuf=${value}: MRG_RXBUF ${mergeable ? 'negotiated' : 'declined'}, ${bufferBytes}-byte receive buffers`, () => {
      const s = makeNetStack({ options: resolveOptions(virtioModel, { 'mrg-rxbuf': value }) });
      expect(s.driver.mergeable).toBe(mergeable);
      expect(s.driver.session.transport.has(NetFeature.MRG_RXBUF)).toBe(mergeable);
      expect(s.driver.rxBufBytes).toBe(bufferBytes);
    });
  }
});
