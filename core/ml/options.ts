/** Choices of train.dense that its param schema lists; no TensorFlow.js needed to read them. */
export const HIDDEN_ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu'] as const;
export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
