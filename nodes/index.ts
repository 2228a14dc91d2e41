/**
 * The built-in node catalog. The composition root (cli/catalog.ts) registers these with
 * the engine; core never imports this folder.
 */
import type { AnyNodeDefinition } from '../core/sdk/index.js';
import csv from './data/csv.js';
import json from './data/json.js';
import jsonl from './data/jsonl.js';
import parquet from './data/parquet.js';
import sqlite from './data/sqlite.js';
import write from './data/write.js';
import stream from './data/stream.js';
import split from './data/split.js';
import validate from './data/validate.js';
import predictBatch from './deploy/predict.js';
import registryRegister from './registry/register.js';
import deployContainer from './deploy/container.js';
import evalModel from './eval/model.js';
import featureEncode from './feature/encode.js';
import featureExpression from './feature/expression.js';
import featureImpute from './feature/impute.js';
import featureScale from './feature/scale.js';
import featureSelect from './feature/select.js';
import featureApply from './feature/apply.js';
import trainDense from './train/dense.js';
import trainTune from './train/tune.js';
import monitorDrift from './monitor/drift.js';
import predictionLog from './data/prediction-log.js';
import monitorPerformance from './monitor/performance.js';
import featureStoreWrite from './features/write.js';
import featureStoreRead from './features/read.js';

export const builtinNodes: readonly AnyNodeDefinition[] = [csv, jsonl, json, parquet, sqlite, stream, write, split, validate, featureSelect, featureImpute, featureScale, featureEncode, featureExpression, featureApply, trainDense, trainTune, evalModel, registryRegister, predictBatch, deployContainer, monitorDrift, predictionLog, monitorPerformance, featureStoreWrite, featureStoreRead];
