/**
 * The node SDK: everything a node definition in nodes/ may import. Nodes import only this
 * module (a lint rule enforces it), so core can change behind it.
 */
export { z } from 'zod';
export { defineNode, NODE_CATEGORIES } from './define-node.js';
export type { NodeDefinition, AnyNodeDefinition, NodeCategory, ParamsSchema, SourceFile } from './define-node.js';
export { port, PORT_TYPES, isPortType } from './ports.js';
export type { PortSpec, PortType } from './ports.js';
export { NodeError, isNodeError } from './errors.js';
export type { RunContext, LogLevel, AttachedArtifact } from './context.js';
export type { Json, MetricsValue, ReportValue, ModelValue, ImageValue, PortValues, PortValue, InputValues, OutputValues } from './values.js';
export { SPLIT_COLUMN, SPLIT_ROLES } from '../data/table.js';
export type { DataTable, RecipeStep, SplitRole } from '../data/table.js';
export * from './data.js';
export * from './io.js';
export * from './recipe.js';
export * from './ml.js';
export * from './deploy.js';
