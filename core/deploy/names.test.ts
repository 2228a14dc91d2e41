import { describe, expect, it } from 'vitest';
import { checkModelName, imageReferenceProblem, kubernetesName, parseImageReference } from './names.js';

describe('image references', () => {
  it('accepts what docker build -t and docker pull accept', () => {
    for (const reference of ['penguins', 'penguins:1', 'tensorloom/node-base:local', 'registry.example.com:5000/team/penguins:v1.2-rc_3', 'localhost/x', 'a__b/c.d-e:latest', '[::1]:5000/x:1', 'my_model']) {
      expect(imageReferenceProblem(reference, { allowDigest: false }), reference).toBeUndefined();
    }
    expect(parseImageReference('registry.example.com:5000/team/penguins:v1', 'tag')).toEqual({ name: 'registry.example.com:5000/team/penguins', tag: 'v1', digest: undefined });
    const pinned = `node:20-bookworm-slim@sha256:${'a'.repeat(64)}`;
    expect(parseImageReference(pinned, 'baseImage')).toEqual({ name: 'node', tag: '20-bookworm-slim', digest: `sha256:${'a'.repeat(64)}` });
  });

  it('says what is wrong with a bad one, naming the field', () => {
    expect(() => parseImageReference('Penguins:1', 'tag')).toThrow("tag 'Penguins:1': repository names must be lowercase (try 'penguins:1')");
    expect(() => parseImageReference('registry.example.com/Team/x', 'tag')).toThrow("repository names must be lowercase (try 'registry.example.com/team/x')");
    expect(() => parseImageReference('penguins:-1', 'tag')).toThrow(/the tag after ":" must be 1 to 128/);
    expect(() => parseImageReference(`penguins:${'x'.repeat(129)}`, 'tag')).toThrow(/the tag after ":" must be 1 to 128/);
    expect(() => parseImageReference('', 'tag')).toThrow(/an image reference is required/);
    for (const bad of ['pen guins', 'penguins/', '/penguins', 'pen--/x', 'penguins:1:2', 'a..b']) expect(imageReferenceProblem(bad), bad).toMatch(/not a valid image reference|tag after/);
    expect(imageReferenceProblem(`x/${'a'.repeat(256)}`)).toMatch(/longer than 255/);
    expect(() => parseImageReference(`penguins@sha256:${'a'.repeat(64)}`, 'tag', { allowDigest: false })).toThrow(/a digest .* cannot be given to a build/);
    const error = (() => {
      try {
        parseImageReference('BAD', 'tag');
      } catch (caught) {
        return caught as { name: string; field: string };
      }
    })();
    expect(error).toMatchObject({ name: 'NodeError', field: 'tag' });
  });
});

describe('names', () => {
  it('keeps model names URL-safe', () => {
    expect(checkModelName('penguins_v2.1')).toBe('penguins_v2.1');
    expect(() => checkModelName('pen guins')).toThrow("name 'pen guins': a model name is 1 to 63 letters");
    expect(() => checkModelName('x:predict')).toThrow(/a model name/);
    expect(() => checkModelName('-x')).toThrow(/a model name/);
  });

  it('derives DNS-1035 Kubernetes names, saying when it changed one', () => {
    expect(kubernetesName('penguins')).toEqual({ name: 'penguins', changed: false });
    expect(kubernetesName('Penguins_V2.1')).toEqual({ name: 'penguins-v2-1', changed: true });
    expect(kubernetesName('2024-model')).toEqual({ name: 'model-2024-model', changed: true });
    expect(() => kubernetesName('___')).toThrow(/cannot name Kubernetes objects/);
    expect(() => kubernetesName('m'.repeat(64))).toThrow(/1 to 63 lowercase letters/);
  });
});
