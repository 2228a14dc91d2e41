/*
 * A whole training step of a dense network in one call: forward pass, loss, backward pass
 * and optimiser update for a mini-batch, with 128-bit WebAssembly SIMD. Built by
 * scripts/build-fused.sh into fused-wasm.ts; fused.ts drives it. The arithmetic follows
 * core/ml (mlp.ts, train.ts, parameters.ts): TF.js stays the reference, and fused.test.ts
 * compares the two.
 *
 * One network per instance: the state lives in globals, memory is taken once by tl_build
 * (and tl_attach) from a bump allocator (no malloc), and JavaScript reads and writes the
 * buffers through the pointers the tl_* getters return. Matrices are row-major float32.
 *
 * Two threads: the memory is shared (imported, `shared`), and a helper thread (a worker
 * running a second instance of this module over the same memory, parked in tl_helper) can
 * take part in a step. Every batch is cut into CHUNKS row chunks whatever the number of
 * threads; each chunk's forward pass, loss and backward pass write only its own rows and its
 * own partial gradients, and the partials are summed in chunk order by the calling thread.
 * So one thread (running the chunks in turn) and two give bit-identical results. The
 * hand-off is a job word in shared memory (the step's generation and the next unclaimed
 * chunk) that threads claim chunks from with compare-and-swap, spinning briefly before
 * sleeping on it (memory.atomic.wait32): a chunk the helper has not claimed yet, the calling
 * thread runs itself, so a late, busy or absent helper never stalls a step.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define MAX_LAYERS 17
/* Row chunks per batch: fixed, so the sums (and the weights) never depend on the thread count. */
#define CHUNKS 2
/* The helper thread's stack, taken from the heap by tl_build. */
#define HELPER_STACK 65536
/* Atomic loads spent spinning before sleeping (tens of microseconds): steps follow each other closely. */
#define SPIN 20000

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
static int widest_layer;       /* the row stride of each chunk's share of the delta buffers */
static int hidden_activation;
static int loss_kind;
static int optimizer;
static double learning_rate;
static int max_rows;
static int steps;

static float *kernel[MAX_LAYERS], *bias[MAX_LAYERS];
/* Each chunk's partial gradients; chunk 0's are the gradients the update reads (the others are added to them). */
static float *grad_k[CHUNKS][MAX_LAYERS], *grad_b[CHUNKS][MAX_LAYERS];
static float *first_k[MAX_LAYERS], *first_b[MAX_LAYERS];   /* Adam's first moments */
static float *second_k[MAX_LAYERS], *second_b[MAX_LAYERS]; /* Adam's second moments, RMSprop's mean squares */
static float *act[MAX_LAYERS + 1]; /* act[0] = the input batch; act[l + 1] = output of layer l */
static float *delta_a, *delta_b;   /* d(loss)/d(pre-activation), ping-ponged between layers */
static float *transposed[MAX_LAYERS]; /* each kernel transposed, for d/d(input), once a step */
static float *targets, *row_weights;
static float hits;
static uintptr_t helper_stack_top;

/* The training rows, when tl_attach copied them in: steps then gather their batch themselves. */
static float *data_x, *data_y, *data_w;
static int *order; /* the epoch's row order, written by JavaScript */
static int data_rows;

/* The step being run, read by every thread that runs a chunk of it. */
static int job_rows, job_start, job_weighted, job_gather;
static double job_counted; /* mean squared error: the divisor, from the weights that are not zero */
static double chunk_loss[CHUNKS];
static float chunk_hits[CHUNKS];
/* Hand-off: (generation << 8) | next unclaimed chunk; chunks finished; helpers asked to return. */
static unsigned job_word = CHUNKS; /* generation 0, nothing to claim */
static int job_done;
static int helpers_quit;
static unsigned generation;
/* Helper threads JavaScript started, and the fewest batch rows worth handing chunks to them. */
static int helpers;
static int parallel_rows;
static int helper_chunks; /* chunks the helpers ran, for tests */

extern unsigned char __heap_base;
static uintptr_t heap_top;

static float *take(int count) {
  /* 64-bit sums: a 4 GiB memory's size and a large block's end overflow 32 bits. */
  unsigned long long start = (heap_top + 15) & ~(uintptr_t)15;
  unsigned long long end = start + (unsigned long long)count * sizeof(float);
  unsigned long long have = (unsigned long long)__builtin_wasm_memory_size(0) * 65536u;
  if (count < 0 || end > 0xffffffffull) return 0;
  if (end > have) {
    uintptr_t pages = (uintptr_t)((end - have + 65535u) / 65536u);
    if (__builtin_wasm_memory_grow(0, pages) == (uintptr_t)-1) return 0;
  }
  heap_top = (uintptr_t)end;
  float *block = (float *)(uintptr_t)start;
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
  for (int l = 0; l < layers; l++) {
    int in = sizes[l], out = sizes[l + 1];
    if (in < 1 || out < 1) return -2;
    if (!(kernel[l] = take(in * out)) || !(bias[l] = take(out))) return -1;
    for (int c = 0; c < CHUNKS; c++)
      if (!(grad_k[c][l] = take(in * out)) || !(grad_b[c][l] = take(out))) return -1;
    if (l > 0 && !(transposed[l] = take(in * out))) return -1;
    if (optimizer != OPT_SGD && (!(second_k[l] = take(in * out)) || !(second_b[l] = take(out)))) return -1;
    if (optimizer == OPT_ADAM && (!(first_k[l] = take(in * out)) || !(first_b[l] = take(out)))) return -1;
  }
  widest_layer = 0;
  for (int l = 0; l <= layers; l++) {
    if (!(act[l] = take(max_rows * sizes[l]))) return -1;
    if (sizes[l] > widest_layer) widest_layer = sizes[l];
  }
  if (!(delta_a = take(max_rows * widest_layer)) || !(delta_b = take(max_rows * widest_layer))) return -1;
  if (!(targets = take(max_rows * sizes[layers])) || !(row_weights = take(max_rows))) return -1;
  float *stack = take(HELPER_STACK / sizeof(float));
  if (!stack) return -1;
  helper_stack_top = (uintptr_t)stack + HELPER_STACK;
  return 0;
}

/*
 * Takes memory for `rows` training rows (inputs, targets, row weights when `weighted`) and
 * their order; returns 0, or -1 when memory cannot grow. Once JavaScript filled them,
 * tl_step_rows gathers each batch itself.
 */
EXPORT(tl_attach)
int tl_attach(int rows, int weighted) {
  data_rows = rows;
  if (!(data_x = take(rows * sizes[0])) || !(data_y = take(rows * sizes[layers])) || !(order = (int *)take(rows))) return -1;
  data_w = 0;
  if (weighted && !(data_w = take(rows))) return -1;
  return 0;
}

EXPORT(tl_kernel) float *tl_kernel(int l) { return kernel[l]; }
EXPORT(tl_bias) float *tl_bias(int l) { return bias[l]; }
EXPORT(tl_kernel_grad) float *tl_kernel_grad(int l) { return grad_k[0][l]; }
EXPORT(tl_bias_grad) float *tl_bias_grad(int l) { return grad_b[0][l]; }
EXPORT(tl_inputs) float *tl_inputs(void) { return act[0]; }
EXPORT(tl_outputs) float *tl_outputs(void) { return act[layers]; }
EXPORT(tl_targets) float *tl_targets(void) { return targets; }
EXPORT(tl_row_weights) float *tl_row_weights(void) { return row_weights; }
EXPORT(tl_hits) float tl_hits(void) { return hits; }
EXPORT(tl_data_x) float *tl_data_x(void) { return data_x; }
EXPORT(tl_data_y) float *tl_data_y(void) { return data_y; }
EXPORT(tl_data_w) float *tl_data_w(void) { return data_w; }
EXPORT(tl_order) int *tl_order(void) { return order; }
EXPORT(tl_helper_stack) uintptr_t tl_helper_stack(void) { return helper_stack_top; }

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

/* Forward pass of rows [r0, r0 + n): each row's outputs depend on that row alone. */
static void forward_rows(int r0, int n) {
  for (int l = 0; l < layers; l++) {
    const int in = sizes[l], out = sizes[l + 1];
    float *z = act[l + 1] + (size_t)r0 * out;
    gemm_nn(n, out, in, act[l] + (size_t)r0 * in, in, kernel[l], out, z, out, bias[l]);
    if (l + 1 < layers) activate(hidden_activation, z, n * out);
  }
}

static void forward(int rows) { forward_rows(0, rows); }

/* ---- losses ----------------------------------------------------------------------------- */

static int arg_max(const float *values, int count) {
  int best = 0;
  for (int k = 1; k < count; k++)
    if (values[k] > values[best]) best = k;
  return best;
}

/*
 * The summed loss of rows [r0, r1) (each row weighted by row_weights when `weighted`), and,
 * when `delta` is given (row r0's first value), its gradient with respect to the outputs:
 * softmax cross-entropy's mean is over `batch_rows`, the mean squared error's over
 * `counted` values (TF.js's SUM_BY_NONZERO_WEIGHTS). Counts correct classes in `*hit_count`.
 */
static double loss_rows(int r0, int r1, int weighted, int batch_rows, double counted, float *delta, float *hit_count) {
  const int width = sizes[layers];
  const float *out = act[layers];
  double total = 0;
  float found = 0;
  if (loss_kind == LOSS_SOFTMAX_CE) {
    for (int r = r0; r < r1; r++) {
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
      if (arg_max(z, width) == arg_max(y, width)) found += 1;
      if (delta) {
        float scale = w / (float)batch_rows;
        float *d = delta + (size_t)(r - r0) * width;
        for (int c = 0; c < width; c++) d[c] = (expf(z[c] - log_sum) - y[c]) * scale;
      }
    }
    *hit_count = found;
    return total;
  }
  for (int r = r0; r < r1; r++) {
    float w = weighted ? row_weights[r] : 1.0f;
    for (int c = 0; c < width; c++) {
      float e = out[(size_t)r * width + c] - targets[(size_t)r * width + c];
      total += (double)(w * e * e);
    }
  }
  if (delta) {
    float scale = counted > 0 ? (float)(2.0 / counted) : 0.0f;
    for (int r = r0; r < r1; r++) {
      float w = weighted ? row_weights[r] : 1.0f;
      float *d = delta + (size_t)(r - r0) * width;
      for (int c = 0; c < width; c++) {
        size_t at = (size_t)r * width + c;
        d[c] = (out[at] - targets[at]) * w * scale;
      }
    }
  }
  *hit_count = 0;
  return total;
}

/* ---- backward pass and update ----------------------------------------------------------- */

/*
 * Backward pass of rows [r0, r0 + n) into chunk c's partial gradients. The chunk's deltas
 * start at row r0 of the delta buffers, with the widest layer as the row stride, so chunks
 * never share memory they write.
 */
static void backward_rows(int c, int r0, int n) {
  float *delta = delta_a + (size_t)r0 * widest_layer, *other = delta_b + (size_t)r0 * widest_layer;
  for (int l = layers - 1; l >= 0; l--) {
    const int in = sizes[l], out = sizes[l + 1];
    gemm_tn(n, out, in, act[l] + (size_t)r0 * in, delta, grad_k[c][l]);
    float *gb = grad_b[c][l];
    for (int j = 0; j < out; j++) gb[j] = 0.0f;
    for (int r = 0; r < n; r++) {
      const float *d = delta + (size_t)r * out;
      for (int j = 0; j < out; j++) gb[j] += d[j];
    }
    if (l == 0) break; /* the first layer's input is data: no gradient needed */
    gemm_nn(n, in, out, delta, out, transposed[l], in, other, in, 0);
    activation_grad(hidden_activation, act[l] + (size_t)r0 * in, other, n * in);
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

/* ---- chunks and threads ------------------------------------------------------------------- */

/* The first row of chunk c of a `rows`-row batch: halves (for CHUNKS 2) rounded up to 4 rows, the GEMMs' row block. */
static int chunk_start(int c, int rows) {
  if (c <= 0) return 0;
  if (c >= CHUNKS) return rows;
  int at = (int)(((long long)rows * c + CHUNKS - 1) / CHUNKS);
  at = (at + 3) & ~3;
  return at < rows ? at : rows;
}

/* Chunk c of the current step: gather its rows (when attached), forward, loss, backward. */
static void run_chunk(int c) {
  const int r0 = chunk_start(c, job_rows), r1 = chunk_start(c + 1, job_rows);
  if (job_gather) {
    const int in = sizes[0], width = sizes[layers];
    for (int r = r0; r < r1; r++) {
      const int row = order[job_start + r];
      memcpy(act[0] + (size_t)r * in, data_x + (size_t)row * in, (size_t)in * sizeof(float));
      memcpy(targets + (size_t)r * width, data_y + (size_t)row * width, (size_t)width * sizeof(float));
      if (data_w) row_weights[r] = data_w[row];
    }
  }
  forward_rows(r0, r1 - r0);
  chunk_loss[c] = loss_rows(r0, r1, job_weighted, job_rows, job_counted, delta_a + (size_t)r0 * widest_layer, &chunk_hits[c]);
  backward_rows(c, r0, r1 - r0);
}

static unsigned load(const unsigned *word) { return __atomic_load_n(word, __ATOMIC_SEQ_CST); }

/* Claims and runs chunks of step `step_generation` until none is left unclaimed. */
static void claim_chunks(unsigned step_generation, int helper) {
  for (;;) {
    unsigned word = load(&job_word);
    if (word >> 8 != step_generation || (word & 255u) >= CHUNKS) return;
    if (!__atomic_compare_exchange_n(&job_word, &word, word + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) continue;
    run_chunk((int)(word & 255u));
    if (helper) __atomic_fetch_add(&helper_chunks, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&job_done, 1, __ATOMIC_SEQ_CST);
    __builtin_wasm_memory_atomic_notify(&job_done, 1);
  }
}

/* Every chunk of the current step: handed to the helpers when they run and the batch is large enough, else in turn. */
static void run_chunks(void) {
  if (helpers <= 0 || job_rows < parallel_rows) {
    for (int c = 0; c < CHUNKS; c++) run_chunk(c);
    return;
  }
  __atomic_store_n(&job_done, 0, __ATOMIC_SEQ_CST);
  generation = (generation + 1) & 0xffffffu;
  __atomic_store_n(&job_word, generation << 8, __ATOMIC_SEQ_CST);
  __builtin_wasm_memory_atomic_notify((int *)&job_word, (unsigned)helpers);
  claim_chunks(generation, 0);
  /* A helper may still be running the chunk it claimed. */
  int spins = 0;
  for (int done; (done = __atomic_load_n(&job_done, __ATOMIC_SEQ_CST)) < CHUNKS;) {
    if (++spins > SPIN) __builtin_wasm_memory_atomic_wait32(&job_done, done, -1);
  }
}

/*
 * A helper thread's loop (a worker calls it after pointing its stack at tl_helper_stack):
 * claims chunks of each step it sees, spins a little, then sleeps until the job word
 * changes. Returns when tl_stop_helpers asks it to.
 */
EXPORT(tl_helper)
void tl_helper(void) {
  for (;;) {
    unsigned word = load(&job_word);
    if (__atomic_load_n(&helpers_quit, __ATOMIC_SEQ_CST)) return;
    if ((word & 255u) < CHUNKS) {
      claim_chunks(word >> 8, 1);
      continue;
    }
    int spins = 0;
    while (load(&job_word) == word && !__atomic_load_n(&helpers_quit, __ATOMIC_SEQ_CST)) {
      if (++spins > SPIN) __builtin_wasm_memory_atomic_wait32((int *)&job_word, (int)word, -1);
    }
  }
}

/* `count` helper threads run tl_helper; a step of at least `min_rows` rows hands chunks to them. */
EXPORT(tl_set_helpers)
void tl_set_helpers(int count, int min_rows) {
  helpers = count;
  parallel_rows = min_rows;
}

/* How many chunks the helper threads ran so far. */
EXPORT(tl_helper_chunks)
int tl_helper_chunks(void) { return __atomic_load_n(&helper_chunks, __ATOMIC_SEQ_CST); }

/* Asks every helper to return from tl_helper, and wakes the sleeping ones. */
EXPORT(tl_stop_helpers)
void tl_stop_helpers(void) {
  helpers = 0;
  __atomic_store_n(&helpers_quit, 1, __ATOMIC_SEQ_CST);
  generation = (generation + 1) & 0xffffffu;
  __atomic_store_n(&job_word, (generation << 8) | CHUNKS, __ATOMIC_SEQ_CST);
  __builtin_wasm_memory_atomic_notify((int *)&job_word, 0xffffffffu);
}

/* ---- steps -------------------------------------------------------------------------------- */

/*
 * One training step on `rows` rows: the batch's first rows of the input and target buffers,
 * or (`gather`) the attached rows at order[start …]. Returns the batch's loss before the
 * step; with `apply` 0 only the gradients are computed (for tests).
 */
static double train_step(int start, int rows, int weighted, int apply, int gather) {
  const int width = sizes[layers];
  job_start = start, job_rows = rows, job_weighted = weighted, job_gather = gather;
  job_counted = 0;
  if (loss_kind == LOSS_MSE) {
    for (int r = 0; r < rows; r++) {
      float w = !weighted ? 1.0f : gather ? data_w[order[start + r]] : row_weights[r];
      if (w != 0.0f) job_counted += width;
    }
  }
  for (int l = 1; l < layers; l++) {
    const int in = sizes[l], out = sizes[l + 1];
    for (int k = 0; k < in; k++)
      for (int j = 0; j < out; j++) transposed[l][(size_t)j * in + k] = kernel[l][(size_t)k * out + j];
  }
  run_chunks();
  /* Partials summed in chunk order, whichever thread ran which chunk. */
  double total = 0;
  hits = 0;
  for (int c = 0; c < CHUNKS; c++) total += chunk_loss[c], hits += chunk_hits[c];
  for (int l = 0; l < layers; l++) {
    const int count = sizes[l] * sizes[l + 1], out = sizes[l + 1];
    for (int c = 1; c < CHUNKS; c++) {
      float *gk = grad_k[0][l], *gb = grad_b[0][l];
      const float *pk = grad_k[c][l], *pb = grad_b[c][l];
      for (int k = 0; k < count; k++) gk[k] += pk[k];
      for (int j = 0; j < out; j++) gb[j] += pb[j];
    }
  }
  double loss = loss_kind == LOSS_SOFTMAX_CE ? total / rows : job_counted > 0 ? total / job_counted : 0;
  if (!apply) return loss;
  steps++;
  double correction1 = 1 - pow(ADAM_BETA1, steps), correction2 = 1 - pow(ADAM_BETA2, steps);
  for (int l = 0; l < layers; l++) {
    int count = sizes[l] * sizes[l + 1];
    update(kernel[l], grad_k[0][l], first_k[l], second_k[l], count, correction1, correction2);
    update(bias[l], grad_b[0][l], first_b[l], second_b[l], sizes[l + 1], correction1, correction2);
  }
  return loss;
}

/*
 * One training step on the first `rows` rows of the input and target buffers: returns the
 * batch's loss before the step. With `apply` 0 only the gradients are computed (for tests).
 */
EXPORT(tl_step)
double tl_step(int rows, int weighted, int apply) { return train_step(0, rows, weighted, apply, 0); }

/* One training step on the attached rows order[start], …, order[start + rows − 1]. */
EXPORT(tl_step_rows)
double tl_step_rows(int start, int rows, int weighted, int apply) { return train_step(start, rows, weighted, apply, 1); }

/* The unweighted mean loss of the first `rows` rows; tl_hits() then counts correct classes. */
EXPORT(tl_evaluate)
double tl_evaluate(int rows) {
  forward(rows);
  double total = loss_rows(0, rows, 0, rows, 0, 0, &hits);
  if (loss_kind == LOSS_SOFTMAX_CE) return total / rows;
  double counted = (double)rows * sizes[layers];
  return counted > 0 ? total / counted : 0;
}

/*
 * Predictions for the first `rows` rows of the input buffer, into the output buffer: the
 * forward pass, then softmax for classifiers. A row's answer does not depend on the rows
 * beside it (every output is summed over the inputs in the same order whatever the row
 * count), so a request alone and in a micro-batch get the same bits.
 */
EXPORT(tl_predict)
void tl_predict(int rows) {
  forward(rows);
  if (loss_kind != LOSS_SOFTMAX_CE) return;
  const int width = sizes[layers];
  for (int r = 0; r < rows; r++) {
    float *z = act[layers] + (size_t)r * width;
    float top = z[0];
    for (int c = 1; c < width; c++) top = z[c] > top ? z[c] : top;
    float sum = 0;
    for (int c = 0; c < width; c++) sum += (z[c] = expf(z[c] - top));
    for (int c = 0; c < width; c++) z[c] /= sum;
  }
}
