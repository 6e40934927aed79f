import { SAMPLE_MP4, SAMPLE_PNG } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import { MAX_UPLOAD_BYTES, RUNNINGHUB_PATHS } from '../runningHubPaths.js';
import { createRunningHubProvider } from '../runningHubProvider.js';
import { rejectionOf } from './helpers.js';
import { provider, providerFile, signal, sim, useSimulatedProvider } from './providerHarness.js';

useSimulatedProvider();

describe('upload', () => {
  it('uploads a file as multipart (apiKey, fileType, file) and returns fileName as the field value', async () => {
    const person = providerFile('person.png', SAMPLE_PNG, { field: 'person' });
    const fileName = await provider.upload(person, signal());
    expect(fileName).toMatch(/^api\/\w+\.png$/);
    expect(sim.requests.at(-1)).toMatchObject({
      path: RUNNINGHUB_PATHS.upload,
      body: { apiKey: '***', fileType: 'image' },
      code: 0,
    });
    expect(sim.uploads.get(fileName)).toMatchObject({
      name: 'person.png',
      size: SAMPLE_PNG.byteLength,
      fileType: 'image',
      contentType: 'image/png',
    });
    expect([...sim.uploads.get(fileName)!.bytes]).toEqual([...SAMPLE_PNG]);
    // The bytes went over the wire, read once; no link to the app's storage was made.
    expect([person.blobCalls, person.urlCalls]).toEqual([1, 0]);
    const clip = providerFile('clip.mp4', SAMPLE_MP4, { field: 'video' });
    const video = await provider.upload(clip, signal());
    expect(sim.uploads.get(video)).toMatchObject({ fileType: 'video', contentType: 'video/mp4' });
  });

  it('refuses a file above 30 MB before reading or sending anything', async () => {
    const big = providerFile('big.mp4', new Uint8Array(MAX_UPLOAD_BYTES + 1), {
      contentType: 'video/mp4',
      field: 'video',
    });
    const error = await rejectionOf(provider.upload(big, signal()));
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', kind: 'invalid', providerCode: 809 });
    expect(big.blobCalls).toBe(0);
    expect(sim.requests).toHaveLength(0);
  });

  it.each([
    [808, 'PROVIDER_REJECTED'],
    [809, 'PROVIDER_REJECTED'],
    [801, 'PROVIDER_CONFIG'],
  ])('an upload answered %i is %s', async (code, expected) => {
    sim.inject({ path: RUNNINGHUB_PATHS.upload, code });
    const error = await rejectionOf(provider.upload(providerFile('a.png', SAMPLE_PNG), signal()));
    expect(error).toMatchObject({ code: expected, providerCode: code });
  });

  it('the simulator itself refuses an empty file (808) and an unknown key (801)', async () => {
    const empty = await rejectionOf(
      provider.upload(
        providerFile('a.png', new Uint8Array(0), { contentType: 'image/png' }),
        signal(),
      ),
    );
    expect(empty).toMatchObject({ code: 'PROVIDER_REJECTED', providerCode: 808 });
    const stranger = createRunningHubProvider({ apiKey: 'nope', baseUrl: sim.url });
    const error = await rejectionOf(stranger.upload(providerFile('a.png', SAMPLE_PNG), signal()));
    expect(error).toMatchObject({ code: 'PROVIDER_CONFIG', providerCode: 801 });
  });
});
