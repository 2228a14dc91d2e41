/*
 * A whole training step of a dense network in one call: forward pass, loss, backward pass
 * and optimiser update for a mini-batch, with 128-bit WebAssembly SIMD. Built by
 * scripts/build-fused.sh into fused.wasm; fused.ts drives it. The arithmetic follows
 * core/ml (mlp.ts, train.ts, parameters.ts): TF.js stays the reference, and fused.test.ts
 * compares the two.
 *
 * One network per instance: the state lives in globals, memory is taken once by tl_build
 * from a bump allocator (no malloc), and JavaScript reads and writes the buffers through the
 * pointers the tl_* getters return. Matrices are row-major float32.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define MAX_LAYERS 17

enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_TANH = 2, ACT_SIGMOID = 3, ACT_ELU = 4 };
enum { LOSS_SOFTMAX_CE = 0, LOSS_MSE = 1 };
enum { OPT_SGD = 0, OPT_ADAM = 1, OPT_RMSPROP = 2 };

/* TensorFlow.js's defaults, as in parameters.ts. */
static const double ADAM_BETA1 = 0.9;
static const double ADAM_BETA2 = 0.999;
static const double RMSPROP_DECAY = 0.9;
static const double EPSILON = 1e-7;

static int layers;             /* dense layers (hidden + output) */
static int sizes[MAX_LAYERS + 1];
static int hidden_activation;
static int loss_kind;
static int optimizer;
static double learning_rate;
static int max_rows;
static int steps;

static float *kernel[MAX_LAYERS], *bias[MAX_LAYERS];
static float *kernel_grad[MAX_LAYERS], *bias_grad[MAX_LAYERS];
static float *first_k[MAX_LAYERS], *first_b[MAX_LAYERS];   /* Adam's first moments */
static float *second_k[MAX_LAYERS], *second_b[MAX_LAYERS]; /* Adam's second moments, RMSprop's mean squares */
static float *act[MAX_LAYERS + 1]; /* act[0] = the input batch; act[l + 1] = output of layer l */
static float *delta_a, *delta_b;   /* d(loss)/d(pre-activation), ping-ponged between layers */
static float *transposed;          /* a kernel transposed, for d/d(input) */
static float *targets, *row_weights;
static float hits;

extern unsigned char __heap_base;
static uintptr_t heap_top;

static float *take(int count) {
  uintptr_t start = (heap_top + 15) & ~(uintptr_t)15;
  uintptr_t end = start + (uintptr_t)count * sizeof(float);
  uintptr_t have = __builtin_wasm_memory_size(0) * 65536u;
  if (end > have) {
    uintptr_t pages = (end - have + 65535u) / 65536u;
    if (__builtin_wasm_memory_grow(0, pages) == (uintptr_t)-1) return 0;
  }
  heap_top = end;
  float *block = (float *)start;
  for (int k = 0; k < count; k++) block[k] = 0.0f;
  return block;
}

/* ---- configuration ---------------------------------------------------------------- */

EXPORT(tl_configure)
void tl_configure(int layer_count, int activation, int loss, int optimizer_kind, double rate, int rows) {
  layers = layer_count;
  hidden_activation = activation;
  loss_kind = loss;
  optimizer = optimizer_kind;
  learning_rate = rate;
  max_rows = rows;
  steps = 0;
}

EXPORT(tl_set_size)
void tl_set_size(int index, int units) { sizes[index] = units; }

/* Takes the memory for every buffer; returns 0, or -1 when memory cannot grow, -2 for a bad shape. */
EXPORT(tl_build)
int tl_build(void) {
  if (layers < 1 || layers > MAX_LAYERS || max_rows < 1) return -2;
  heap_top = (uintptr_t)&__heap_base;
  int widest = 0;
  for (int l = 0; l < layers; l++) {
    int in = sizes[l], out = sizes[l + 1];
    if (in < 1 || out < 1) return -2;
    if (in * out > widest) widest = in * out;
    if (!(kernel[l] = take(in * out)) || !(bias[l] = take(out)) || !(kernel_grad[l] = take(in * out)) || !(bias_grad[l] = take(out))) return -1;
    if (optimizer != OPT_SGD && (!(second_k[l] = take(in * out)) || !(second_b[l] = take(out)))) return -1;
    if (optimizer == OPT_ADAM && (!(first_k[l] = take(in * out)) || !(first_b[l] = take(out)))) return -1;
  }
  int widest_layer = 0;
  for (int l = 0; l <= layers; l++) {
    if (!(act[l] = take(max_rows * sizes[l]))) return -1;
    if (sizes[l] > widest_layer) widest_layer = sizes[l];
  }
  if (!(delta_a = take(max_rows * widest_layer)) || !(delta_b = take(max_rows * widest_layer))) return -1;
  if (!(transposed = take(widest)) || !(targets = take(max_rows * sizes[layers])) || !(row_weights = take(max_rows))) return -1;
  return 0;
}

EXPORT(tl_kernel) float *tl_kernel(int l) { return kernel[l]; }
EXPORT(tl_bias) float *tl_bias(int l) { return bias[l]; }
EXPORT(tl_kernel_grad) float *tl_kernel_grad(int l) { return kernel_grad[l]; }
EXPORT(tl_bias_grad) float *tl_bias_grad(int l) { return bias_grad[l]; }
EXPORT(tl_inputs) float *tl_inputs(void) { return act[0]; }
EXPORT(tl_outputs) float *tl_outputs(void) { return act[layers]; }
EXPORT(tl_targets) float *tl_targets(void) { return targets; }
EXPORT(tl_row_weights) float *tl_row_weights(void) { return row_weights; }
EXPORT(tl_hits) float tl_hits(void) { return hits; }

/* ---- matrix products ------------------------------------------------------------------ */

/* C[M×N] = A[M×K] · B[K×N] (+ bias on every row). Blocks of 4 rows × 8 columns in registers. */
static void gemm_nn(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc, const float *add) {
  int i = 0;
  for (; i + 4 <= M; i += 4) {
    const float *a0 = A + (size_t)i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
    float *c0 = C + (size_t)i * ldc, *c1 = c0 + ldc, *c2 = c1 + ldc, *c3 = c2 + ldc;
    int j = 0;
    for (; j + 8 <= N; j += 8) {
      v128_t s00 = wasm_f32x4_splat(0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
      const float *b = B + j;
      for (int k = 0; k < K; k++, b += ldb) {
        v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        v128_t x = wasm_f32x4_splat(a0[k]);
        s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(x, b0));
        s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(x, b1));
        x = wasm_f32x4_splat(a1[k]);
        s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(x, b0));
        s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(x, b1));
        x = wasm_f32x4_splat(a2[k]);
        s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(x, b0));
        s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(x, b1));
        x = wasm_f32x4_splat(a3[k]);
        s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(x, b0));
        s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(x, b1));
      }
      if (add) {
        v128_t d0 = wasm_v128_load(add + j), d1 = wasm_v128_load(add + j + 4);
        s00 = wasm_f32x4_add(s00, d0), s01 = wasm_f32x4_add(s01, d1);
        s10 = wasm_f32x4_add(s10, d0), s11 = wasm_f32x4_add(s11, d1);
        s20 = wasm_f32x4_add(s20, d0), s21 = wasm_f32x4_add(s21, d1);
        s30 = wasm_f32x4_add(s30, d0), s31 = wasm_f32x4_add(s31, d1);
      }
      wasm_v128_store(c0 + j, s00), wasm_v128_store(c0 + j + 4, s01);
      wasm_v128_store(c1 + j, s10), wasm_v128_store(c1 + j + 4, s11);
      wasm_v128_store(c2 + j, s20), wasm_v128_store(c2 + j + 4, s21);
      wasm_v128_store(c3 + j, s30), wasm_v128_store(c3 + j + 4, s31);
    }
    for (; j < N; j++) {
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int k = 0; k < K; k++) {
        float bk = B[(size_t)k * ldb + j];
        s0 += a0[k] * bk, s1 += a1[k] * bk, s2 += a2[k] * bk, s3 += a3[k] * bk;
      }
      float d = add ? add[j] : 0.0f;
      c0[j] = s0 + d, c1[j] = s1 + d, c2[j] = s2 + d, c3[j] = s3 + d;
    }
  }
  for (; i < M; i++) {
    const float *a = A + (size_t)i * lda;
    float *c = C + (size_t)i * ldc;
    int j = 0;
    for (; j + 4 <= N; j += 4) {
      v128_t s = wasm_f32x4_splat(0);
      for (int k = 0; k < K; k++) s = wasm_f32x4_add(s, wasm_f32x4_mul(wasm_f32x4_splat(a[k]), wasm_v128_load(B + (size_t)k * ldb + j)));
      if (add) s = wasm_f32x4_add(s, wasm_v128_load(add + j));
      wasm_v128_store(c + j, s);
    }
    for (; j < N; j++) {
      float s = 0;
      for (int k = 0; k < K; k++) s += a[k] * B[(size_t)k * ldb + j];
      c[j] = s + (add ? add[j] : 0.0f);
    }
  }
}

/* G[K×N] = Aᵀ · D for A[M×K], D[M×N]: the kernel's gradient, without transposing A. */
static void gemm_tn(int M, int N, int K, const float *A, const float *D, float *G) {
  int k = 0;
  for (; k + 4 <= K; k += 4) {
    float *g0 = G + (size_t)k * N, *g1 = g0 + N, *g2 = g1 + N, *g3 = g2 + N;
    int j = 0;
    for (; j + 8 <= N; j += 8) {
      v128_t s00 = wasm_f32x4_splat(0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
      const float *a = A + k, *d = D + j;
      for (int r = 0; r < M; r++, a += K, d += N) {
        v128_t d0 = wasm_v128_load(d), d1 = wasm_v128_load(d + 4);
        v128_t x = wasm_f32x4_splat(a[0]);
        s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(x, d0));
        s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(x, d1));
        x = wasm_f32x4_splat(a[1]);
        s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(x, d0));
        s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(x, d1));
        x = wasm_f32x4_splat(a[2]);
        s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(x, d0));
        s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(x, d1));
        x = wasm_f32x4_splat(a[3]);
        s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(x, d0));
        s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(x, d1));
      }
      wasm_v128_store(g0 + j, s00), wasm_v128_store(g0 + j + 4, s01);
      wasm_v128_store(g1 + j, s10), wasm_v128_store(g1 + j + 4, s11);
      wasm_v128_store(g2 + j, s20), wasm_v128_store(g2 + j + 4, s21);
      wasm_v128_store(g3 + j, s30), wasm_v128_store(g3 + j + 4, s31);
    }
    for (; j < N; j++) {
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int r = 0; r < M; r++) {
        float dj = D[(size_t)r * N + j];
        const float *a = A + (size_t)r * K + k;
        s0 += a[0] * dj, s1 += a[1] * dj, s2 += a[2] * dj, s3 += a[3] * dj;
      }
      g0[j] = s0, g1[j] = s1, g2[j] = s2, g3[j] = s3;
    }
  }
  for (; k < K; k++) {
    float *g = G + (size_t)k * N;
    for (int j = 0; j < N; j++) {
      float s = 0;
      for (int r = 0; r < M; r++) s += A[(size_t)r * K + k] * D[(size_t)r * N + j];
      g[j] = s;
    }
  }
}

/* ---- activations ------------------------------------------------------------------------ */

static void activate(int kind, float *z, int count) {
  switch (kind) {
    case ACT_RELU:
      for (int k = 0; k < count; k++) z[k] = z[k] > 0.0f ? z[k] : 0.0f;
      return;
    case ACT_TANH:
      for (int k = 0; k < count; k++) z[k] = tanhf(z[k]);
      return;
    case ACT_SIGMOID:
      for (int k = 0; k < count; k++) z[k] = 1.0f / (1.0f + expf(-z[k]));
      return;
    case ACT_ELU:
      for (int k = 0; k < count; k++) z[k] = z[k] > 0.0f ? z[k] : expf(z[k]) - 1.0f;
      return;
    default:
      return;
  }
}

/* delta ×= d(activation)/d(input), written from the activation's output (as mlp.ts does). */
static void activation_grad(int kind, const float *out, float *delta, int count) {
  switch (kind) {
    case ACT_RELU:
      for (int k = 0; k < count; k++) delta[k] = out[k] > 0.0f ? delta[k] : 0.0f;
      return;
    case ACT_TANH:
      for (int k = 0; k < count; k++) delta[k] *= 1.0f - out[k] * out[k];
      return;
    case ACT_SIGMOID:
      for (int k = 0; k < count; k++) delta[k] *= out[k] * (1.0f - out[k]);
      return;
    case ACT_ELU:
      for (int k = 0; k < count; k++) delta[k] = out[k] > 0.0f ? delta[k] : delta[k] * (out[k] + 1.0f);
      return;
    default:
      return;
  }
}

static void forward(int rows) {
  for (int l = 0; l < layers; l++) {
    gemm_nn(rows, sizes[l + 1], sizes[l], act[l], sizes[l], kernel[l], sizes[l + 1], act[l + 1], sizes[l + 1], bias[l]);
    if (l + 1 < layers) activate(hidden_activation, act[l + 1], rows * sizes[l + 1]);
  }
}

/* ---- losses ----------------------------------------------------------------------------- */

static int arg_max(const float *values, int count) {
  int best = 0;
  for (int k = 1; k < count; k++)
    if (values[k] > values[best]) best = k;
  return best;
}

/*
 * The mean loss over `rows` (weighted by row_weights when `weighted`), and, when `delta` is
 * given, its gradient with respect to the outputs. Also counts correct classes in `hits`.
 */
static double loss_and_delta(int rows, int weighted, float *delta) {
  const int width = sizes[layers];
  const float *out = act[layers];
  double total = 0;
  hits = 0;
  if (loss_kind == LOSS_SOFTMAX_CE) {
    for (int r = 0; r < rows; r++) {
      const float *z = out + (size_t)r * width, *y = targets + (size_t)r * width;
      float top = z[0];
      for (int c = 1; c < width; c++) top = z[c] > top ? z[c] : top;
      float sum = 0;
      for (int c = 0; c < width; c++) sum += expf(z[c] - top);
      float log_sum = top + logf(sum);
      float row_loss = 0;
      for (int c = 0; c < width; c++) row_loss -= y[c] * (z[c] - log_sum);
      float w = weighted ? row_weights[r] : 1.0f;
      total += (double)(row_loss * w);
      if (arg_max(z, width) == arg_max(y, width)) hits += 1;
      if (delta) {
        float scale = w / (float)rows;
        float *d = delta + (size_t)r * width;
        for (int c = 0; c < width; c++) d[c] = (expf(z[c] - log_sum) - y[c]) * scale;
      }
    }
    return total / rows;
  }
  /* Mean squared error, TF.js's SUM_BY_NONZERO_WEIGHTS: divided by the weights that are not zero. */
  double counted = 0;
  for (int r = 0; r < rows; r++) {
    float w = weighted ? row_weights[r] : 1.0f;
    if (w != 0.0f) counted += width;
    for (int c = 0; c < width; c++) {
      float e = out[(size_t)r * width + c] - targets[(size_t)r * width + c];
      total += (double)(w * e * e);
    }
  }
  if (delta) {
    float scale = counted > 0 ? (float)(2.0 / counted) : 0.0f;
    for (int r = 0; r < rows; r++) {
      float w = weighted ? row_weights[r] : 1.0f;
      for (int c = 0; c < width; c++) {
        size_t at = (size_t)r * width + c;
        delta[at] = (out[at] - targets[at]) * w * scale;
      }
    }
  }
  return counted > 0 ? total / counted : 0;
}

/* ---- backward pass and update ----------------------------------------------------------- */

static void backward(int rows) {
  float *delta = delta_a, *other = delta_b;
  for (int l = layers - 1; l >= 0; l--) {
    const int in = sizes[l], out = sizes[l + 1];
    gemm_tn(rows, out, in, act[l], delta, kernel_grad[l]);
    float *gb = bias_grad[l];
    for (int j = 0; j < out; j++) gb[j] = 0.0f;
    for (int r = 0; r < rows; r++) {
      const float *d = delta + (size_t)r * out;
      for (int j = 0; j < out; j++) gb[j] += d[j];
    }
    if (l == 0) break; /* the first layer's input is data: no gradient needed */
    for (int k = 0; k < in; k++)
      for (int j = 0; j < out; j++) transposed[(size_t)j * in + k] = kernel[l][(size_t)k * out + j];
    gemm_nn(rows, in, out, delta, out, transposed, in, other, in, 0);
    activation_grad(hidden_activation, act[l], other, rows * in);
    float *swap = delta;
    delta = other, other = swap;
  }
}

static void update(float *w, const float *g, float *m, float *v, int count, double correction1, double correction2) {
  const float rate = (float)learning_rate;
  switch (optimizer) {
    case OPT_SGD:
      for (int k = 0; k < count; k++) w[k] -= rate * g[k];
      return;
    case OPT_RMSPROP: {
      const float decay = (float)RMSPROP_DECAY, keep = (float)(1 - RMSPROP_DECAY), eps = (float)EPSILON;
      for (int k = 0; k < count; k++) {
        float mean_square = v[k] = decay * v[k] + keep * g[k] * g[k];
        w[k] -= rate * g[k] / sqrtf(mean_square + eps);
      }
      return;
    }
    case OPT_ADAM: {
      const float b1 = (float)ADAM_BETA1, b2 = (float)ADAM_BETA2, k1 = (float)(1 - ADAM_BETA1), k2 = (float)(1 - ADAM_BETA2);
      const float c1 = (float)correction1, c2 = (float)correction2, eps = (float)EPSILON;
      for (int k = 0; k < count; k++) {
        float mk = m[k] = b1 * m[k] + k1 * g[k];
        float vk = v[k] = b2 * v[k] + k2 * g[k] * g[k];
        w[k] -= rate * (mk / c1) / (sqrtf(vk / c2) + eps);
      }
      return;
    }
  }
}

/*
 * One training step on the first `rows` rows of the input and target buffers: returns the
 * batch's loss before the step. With `apply` 0 only the gradients are computed (for tests).
 */
EXPORT(tl_step)
double tl_step(int rows, int weighted, int apply) {
  forward(rows);
  double loss = loss_and_delta(rows, weighted, delta_a);
  backward(rows);
  if (!apply) return loss;
  steps++;
  double correction1 = 1 - pow(ADAM_BETA1, steps), correction2 = 1 - pow(ADAM_BETA2, steps);
  for (int l = 0; l < layers; l++) {
    int count = sizes[l] * sizes[l + 1];
    update(kernel[l], kernel_grad[l], first_k[l], second_k[l], count, correction1, correction2);
    update(bias[l], bias_grad[l], first_b[l], second_b[l], sizes[l + 1], correction1, correction2);
  }
  return loss;
}

/* The unweighted mean loss of the first `rows` rows; tl_hits() then counts correct classes. */
EXPORT(tl_evaluate)
double tl_evaluate(int rows) {
  forward(rows);
  return loss_and_delta(rows, 0, 0);
}
