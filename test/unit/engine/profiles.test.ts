import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUILTIN_PROFILES,
  builtinProfilePath,
  DEFAULT_PROFILE_ID,
  listProfiles,
  loadProfile,
  ProfileError,
  profileFile,
  profileSha256,
} from '../../../harness/profiles/load.js';
import { chargePs, priceTable } from '../../../harness/profiles/prices.js';
import { EVENT_UNIT, METER_EVENT_NAMES } from '../../../harness/profiles/schema.js';
import { MeterEvent } from '../../../models/platform/meter.js';

const scratch = mkdtempSync(join(tmpdir(), 'ringside-profiles-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Json = Record<string, unknown>;

function shippedJson(id: string): Json {
  return JSON.parse(readFileSync(builtinProfilePath(id as (typeof BUILTIN_PROFILES)[number]), 'utf8')) as Json;
}

function events(doc: Json): Record<string, Json> {
  return doc.events as Record<string, Json>;
}

let fileCounter = 0;
function writeProfile(doc: unknown): string {
  const path = join(scratch, `profile-${fileCounter++}.json`);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return path;
}

function loadError(path: string): ProfileError {
  try {
    loadProfile(path);
  } catch (e) {
    expect(e).toBeInstanceOf(ProfileError);
    return e as ProfileError;
  }
  throw new Error(`expected ${path} to be rejected`);
}

describe('shipped cost profiles (measurement.md §9)', () => {
  it.each(BUILTIN_PROFILES)('%s validates, prices every MeterEvent in its unit and cites its sources', (id) => {
    const profile = loadProfile(id);
    expect(profile.id).toBe(id);
    expect(Object.keys(profile.events).sort()).toEqual(Object.keys(MeterEvent).sort());
    for (const name of METER_EVENT_NAMES) {
      const price = profile.events[name];
      expect(price.per, name).toBe(EVENT_UNIT[name]);
      expect(['V', 'S', 'E'], name).toContain(price.evidence); // §9.1: M is never a default
      for (const src of price.sources) expect(profile.sources[src], `${name} → ${src}`).toBeDefined();
      if (price.cycles === 0) expect(price.note, `${name} is 0 and must say why`).toBeTruthy();
    }
    for (const [sid, src] of Object.entries(profile.sources)) expect(['V', 'S', 'E'], sid).toContain(src.evidence);
  });

  // measurement.md §9.2 calibration checks: modern user exit ≈ 2.0 µs, in-kernel ≈ 0.6–0.8 µs,
  // hypercall ≈ 0.5 µs; 2008 user exit ≈ 7.1 µs.
  it('matches the §9.2 calibration checks', () => {
    const modern = priceTable(loadProfile('modern-2020s'));
    const core2 = priceTable(loadProfile('core2-2008'));
    expect(modern[MeterEvent.exitUser]).toBe(2_000_000);
    expect(modern[MeterEvent.exitKernel]).toBeGreaterThanOrEqual(600_000);
    expect(modern[MeterEvent.exitKernel]).toBeLessThanOrEqual(800_000);
    expect(Math.abs((modern[MeterEvent.hypercall] as number) - 500_000)).toBeLessThan(50_000);
    expect(Math.abs((core2[MeterEvent.exitUser] as number) - 7_100_000)).toBeLessThan(100_000);
  });

  it('the default comes first in listProfiles', () => {
    const list = listProfiles();
    expect(list.map((p) => p.id)).toEqual([
      DEFAULT_PROFILE_ID,
      ...BUILTIN_PROFILES.filter((i) => i !== DEFAULT_PROFILE_ID),
    ]);
    for (const p of list) {
      expect(p.description.length).toBeGreaterThan(10);
      expect(p.clockGhz).toBeGreaterThan(1);
      expect(readFileSync(p.path).length).toBeGreaterThan(0);
    }
    expect(loadProfile().id).toBe(DEFAULT_PROFILE_ID);
  });
});

describe('price table', () => {
  it.each(BUILTIN_PROFILES)('%s: integer ps per event and element, exact ps per byte', (id) => {
    const profile = loadProfile(id);
    const table = priceTable(profile);
    for (const name of METER_EVENT_NAMES) {
      const price = profile.events[name];
      const exact = (price.cycles / profile.clock_ghz) * 1000;
      const ps = table[MeterEvent[name]] as number;
      if (price.per === 'byte') {
        expect(ps, name).toBe(exact);
      } else {
        expect(Number.isInteger(ps), name).toBe(true);
        expect(Math.abs(ps - exact), name).toBeLessThanOrEqual(0.5);
      }
    }
  });

  it('charges n bytes as round(n × ps per byte)', () => {
    const table = priceTable(loadProfile('modern-2020s'));
    const perByte = table[MeterEvent.copy] as number;
    expect(Number.isInteger(perByte)).toBe(false); // 0.2 cycles / 3 GHz = 66.67 ps
    for (const n of [1, 3, 64, 4096, 65536]) {
      const charge = chargePs(table, MeterEvent.copy, n);
      expect(charge).toBe(Math.round(n * perByte));
      expect(Number.isInteger(charge)).toBe(true);
    }
    expect(chargePs(table, MeterEvent.exitUser, 3)).toBe(3 * (table[MeterEvent.exitUser] as number));
  });
});

describe('profile identity', () => {
  it('profileSha256 hashes the file bytes', () => {
    for (const id of BUILTIN_PROFILES) {
      const profile = loadProfile(id);
      const expected = createHash('sha256')
        .update(readFileSync(builtinProfilePath(id)))
        .digest('hex');
      expect(profileSha256(profile)).toBe(expected);
      expect(profileFile(profile)).toBe(builtinProfilePath(id));
    }
    expect(profileSha256(loadProfile('modern-2020s'))).not.toBe(profileSha256(loadProfile('core2-2008')));
  });

  it('a profile loaded from a path hashes its own bytes (formatting included)', () => {
    const doc = shippedJson('core2-2008');
    const path = writeProfile(doc); // re-serialised: same content, different bytes
    const profile = loadProfile(path);
    expect(profile.id).toBe('core2-2008');
    expect(profileSha256(profile)).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
    expect(profileSha256(profile)).not.toBe(profileSha256(loadProfile('core2-2008')));
  });

  it('loaded profiles are frozen', () => {
    const profile = loadProfile('modern-2020s');
    expect(Object.isFrozen(profile.events.exitUser)).toBe(true);
  });
});

describe('profile validation errors name the file and the field', () => {
  function rejected(mutate: (doc: Json) => void): ProfileError {
    const doc = shippedJson('modern-2020s');
    mutate(doc);
    const path = writeProfile(doc);
    const err = loadError(path);
    expect(err.message.startsWith(`${path}: `)).toBe(true);
    expect(err.message).not.toContain('\n');
    expect(err.file).toBe(path);
    return err;
  }

  it('a missing event', () => {
    const err = rejected((d) => delete events(d).wakeup);
    expect(err.field).toBe('events.wakeup');
    expect(err.message).toMatch(/events\.wakeup: missing/);
  });

  it('a wrong type', () => {
    const err = rejected((d) => {
      (events(d).exitUser as Json).cycles = '6000';
    });
    expect(err.field).toBe('events.exitUser.cycles');
    expect(err.message).toMatch(/expected number/);
  });

  it('evidence M on an event or a source', () => {
    const onEvent = rejected((d) => {
      (events(d).copy as Json).evidence = 'M';
    });
    expect(onEvent.field).toBe('events.copy.evidence');
    expect(onEvent.message).toMatch(/"M".*never allowed/);
    const onSource = rejected((d) => {
      ((d.sources as Record<string, Json>)['dall-atc17'] as Json).evidence = 'M';
    });
    expect(onSource.field).toBe('sources.dall-atc17.evidence');
  });

  it('a per-unit that disagrees with the Meter', () => {
    const err = rejected((d) => {
      (events(d).copy as Json).per = 'event';
    });
    expect(err.field).toBe('events.copy.per');
    expect(err.message).toMatch(/must be "byte"/);
  });

  it('an unknown event name', () => {
    const err = rejected((d) => {
      events(d).exitUsr = { ...events(d).exitUser };
    });
    expect(err.field).toBe('events');
    expect(err.message).toMatch(/unknown event "exitUsr"/);
  });

  it('a source id that is not listed', () => {
    const err = rejected((d) => {
      (events(d).hypercall as Json).sources = ['skx-vmcall', 'nowhere-2099'];
    });
    expect(err.field).toBe('events.hypercall.sources[1]');
    expect(err.message).toMatch(/unknown source "nowhere-2099"/);
  });

  it('an inverted range and a negative price', () => {
    expect(
      rejected((d) => {
        (events(d).eoi as Json).range = [10, 1];
      }).field,
    ).toBe('events.eoi.range');
    expect(
      rejected((d) => {
        (events(d).eoi as Json).cycles = -1;
      }).field,
    ).toBe('events.eoi.cycles');
  });

  it('the wrong schema tag', () => {
    const err = rejected((d) => {
      d.schema = 'iovbench.cost-profile/1';
    });
    expect(err.field).toBe('schema');
  });

  it('invalid JSON and a missing file', () => {
    const bad = writeProfile('{ "schema": ');
    const err = loadError(bad);
    expect(err.message).toMatch(new RegExp(`^${bad}: invalid JSON`));
    const missing = join(scratch, 'does-not-exist.json');
    const notFound = loadError(missing);
    expect(notFound.message).toBe(`${missing}: file not found (built-in profiles: ${BUILTIN_PROFILES.join(', ')})`);
  });
});

describe('compiled build', () => {
  // The CLI runs from dist/harness/…: built-in profiles must resolve from the package root there too.
  it('dist/harness/profiles/load.js finds the shipped JSON', async () => {
    const url = new URL('../../../dist/harness/profiles/load.js', import.meta.url).href;
    const compiled = (await import(url)) as typeof import('../../../harness/profiles/load.js');
    const profile = compiled.loadProfile('core2-2008');
    expect(compiled.profileFile(profile)).toBe(builtinProfilePath('core2-2008'));
    expect(compiled.profileSha256(profile)).toBe(profileSha256(loadProfile('core2-2008')));
  });
});
