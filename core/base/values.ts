import type { DataTable } from './table.js';
import type { PortType, PortSpec } from './ports.js';

/** Plain JSON, the shape of metrics and report values. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Named numbers (and, for richer metrics, JSON such as a confusion matrix). */
export type MetricsValue = { [name: string]: Json };
/** A structured report, e.g. a validation report. */
export type ReportValue = { [key: string]: Json };
/** A model bundle: a folder holding model.json, weights and bundle.json. */
export interface ModelValue {
  readonly dir: string;
}
export interface ImageValue {
  readonly png: Uint8Array;
}

export interface PortValues {
  table: DataTable;
  model: ModelValue;
  metrics: MetricsValue;
  report: ReportValue;
  image: ImageValue;
}

export type PortValue<T extends PortType> = PortValues[T];

type ValueOf<S> = S extends PortSpec<infer T> ? PortValues[T] : never;

/** The inputs a node's `run` receives: optional ports may be undefined. */
export type InputValues<I extends Record<string, PortSpec>> = {
  [K in keyof I]: I[K] extends { optional: true } ? ValueOf<I[K]> | undefined : ValueOf<I[K]>;
};
/** The outputs `run` must return: one value per declared port. */
export type OutputValues<O extends Record<string, PortSpec>> = { [K in keyof O]: ValueOf<O[K]> };
