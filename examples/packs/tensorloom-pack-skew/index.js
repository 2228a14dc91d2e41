/**
 * tensorloom-pack-skew: what Tensorloom loads. The default export lists the pack's node
 * definitions and its recipe step kinds; Tensorloom registers the step kinds
 * (registerStepKind) in every thread that trains or predicts, and in exported images.
 */
import generate from './src/generate.js';
import logNode, { logStep } from './src/log.js';

export default {
  nodes: [generate, logNode],
  stepKinds: [logStep],
};
