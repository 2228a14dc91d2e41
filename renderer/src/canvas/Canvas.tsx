import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useConnection,
  useReactFlow,
  useStore as useFlowStore,
  type Connection,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
  type NodeTypes,
  type OnConnectEnd,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, type DragEvent } from 'react';
import { useStore } from 'zustand';
import { useCatalog, useDoc, useServices, useUi } from '../app/context';
import type { AppServices } from '../app/services';
import { addNode, connect, moveNodes, setSelection } from '../model/actions';
import { checkConnection } from '../model/connection-rules';
import { FIT_PADDING, LEGIBLE_ZOOM } from '../model/layout';
import {
  applySelectionFlags,
  connectionPorts,
  createEdgeConverter,
  createNodeConverter,
  FLOW_NODE_TYPE,
  summariseEdgeSelection,
  summariseNodeChanges,
  type FlowEdge,
  type FlowNode,
} from './flow-adapter';
import PipelineNodeView from './PipelineNodeView';

/** Registered once, outside any component (React Flow re-mounts every node when this object changes). */
const nodeTypes: NodeTypes = { [FLOW_NODE_TYPE]: PipelineNodeView };

export const PALETTE_MIME = 'application/x-tensorloom-node-type';

/**
 * Below this zoom node text is too small to read; the canvas switches to an overview style
 * (CSS only, node boxes keep their size so nothing is re-measured) that paints far less.
 */
export const OVERVIEW_ZOOM = 0.45;

const proOptions = { hideAttribution: true };
const minimapStyle = { width: 168, height: 110 };
const MINIMAP_MIN_CANVAS_HEIGHT = 400;
/** Graphs up to this many nodes are never fitted below a legible zoom; larger ones may shrink to an overview. */
const SMALL_GRAPH_NODES = 12;

function fitOptions(nodeCount: number) {
  return { padding: FIT_PADDING, maxZoom: 1.2, minZoom: nodeCount <= SMALL_GRAPH_NODES ? LEGIBLE_ZOOM : 0.1 };
}

/** The reason a wire may not go where it is being dragged (checked against the stores' state now), or null. */
function refusal(services: Pick<AppServices, 'documentStore' | 'catalogStore'>, connection: Connection | FlowEdge): string | null {
  const ports = connectionPorts(connection);
  if (!ports) return null;
  const check = checkConnection(services.documentStore.getState().content, services.catalogStore.getState().byType, ports.from, ports.to);
  return check.ok ? null : check.reason;
}

/** Shown next to the pointer while a wire hovers a port it may not connect to. */
function ConnectionHint() {
  const services = useServices();
  const connection = useConnection();
  if (!connection.inProgress || connection.isValid !== false || !connection.toHandle || !connection.fromHandle) return null;
  const fromIsOutput = connection.fromHandle.type === 'source';
  const out = fromIsOutput ? connection.fromHandle : connection.toHandle;
  const into = fromIsOutput ? connection.toHandle : connection.fromHandle;
  const reason = refusal(services, { source: out.nodeId, sourceHandle: out.id ?? null, target: into.nodeId, targetHandle: into.id ?? null });
  if (!reason) return null;
  return (
    <div className="connection-hint" role="status" data-testid="connection-hint">
      {reason}
    </div>
  );
}

export function Canvas() {
  const services = useServices();
  const { controller, documentStore, uiStore, catalogStore, measureStore } = services;
  const content = useDoc((state) => state.content);
  const selection = useDoc((state) => state.selection);
  const generation = useDoc((state) => state.generation);
  const sizes = useStore(measureStore, (state) => state.sizes);
  const catalog = useCatalog((state) => state.byType);
  const fitRequest = useUi((state) => state.fitRequest);
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const overview = useFlowStore((state) => state.transform[2] < OVERVIEW_ZOOM);
  // A short canvas (a tall outputs panel, a small window) has no room for the minimap: it would cover nodes.
  const roomForMinimap = useFlowStore((state) => state.height >= MINIMAP_MIN_CANVAS_HEIGHT);
  const convert = useMemo(() => createNodeConverter(), []);
  const convertEdges = useMemo(() => createEdgeConverter(), []);

  const nodes = useMemo(() => convert(content.nodes, selection, sizes), [convert, content.nodes, selection, sizes]);
  const fitViewOptions = useMemo(() => fitOptions(content.nodes.length), [content.nodes.length]);
  const edges = useMemo(() => convertEdges(content, selection, catalog), [convertEdges, content, selection, catalog]);
  const isValidConnection: IsValidConnection<FlowEdge> = useCallback((connection) => refusal(services, connection) === null, [services]);
  const minimapClass = useCallback(
    (node: FlowNode) => `minimap-node cat-${catalogStore.getState().byType[node.data.nodeType]?.category ?? 'unknown'}`,
    [catalogStore],
  );

  useEffect(() => {
    if (fitRequest === 0) return;
    // After the new nodes are measured.
    const frame = requestAnimationFrame(() => void flow.fitView(fitOptions(documentStore.getState().content.nodes.length)));
    return () => cancelAnimationFrame(frame);
  }, [fitRequest, generation, flow]);

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    const summary = summariseNodeChanges(changes);
    if (Object.keys(summary.sizes).length > 0) measureStore.getState().update(summary.sizes);
    if (Object.keys(summary.positions).length > 0) documentStore.getState().dispatch(moveNodes, { positions: summary.positions });
    if (Object.keys(summary.selected).length > 0) {
      const current = documentStore.getState().selection;
      documentStore.getState().dispatch(setSelection, { nodes: applySelectionFlags(current.nodes, summary.selected), edges: current.edges });
    }
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange<FlowEdge>[]) => {
    const flags = summariseEdgeSelection(changes);
    if (Object.keys(flags).length === 0) return;
    const current = documentStore.getState().selection;
    documentStore.getState().dispatch(setSelection, { nodes: current.nodes, edges: applySelectionFlags(current.edges, flags) });
  }, []);

  const onConnect = useCallback((connection: Connection) => {
    const ports = connectionPorts(connection);
    if (!ports) return;
    const result = documentStore.getState().dispatch(connect, ports);
    if (result?.refused) uiStore.getState().toast('error', result.refused);
  }, []);

  const onConnectEnd: OnConnectEnd = useCallback((_event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid !== false || !state.toHandle || !state.fromHandle) return;
    const fromIsOutput = state.fromHandle.type === 'source';
    const out = fromIsOutput ? state.fromHandle : state.toHandle;
    const into = fromIsOutput ? state.toHandle : state.fromHandle;
    const reason = refusal(services, { source: out.nodeId, sourceHandle: out.id ?? null, target: into.nodeId, targetHandle: into.id ?? null });
    if (reason) uiStore.getState().toast('error', `Not connected: ${reason}`);
  }, []);

  // A drag of one node or of a selection is one undo step.
  const beginGesture = useCallback(() => documentStore.getState().beginGesture(), []);
  const endGesture = useCallback(() => documentStore.getState().endGesture(), []);

  const wrapper = useRef<HTMLDivElement>(null);
  const onDragOver = useCallback((event: DragEvent) => {
    // A palette item, or files from the desktop.
    if (!event.dataTransfer.types.includes(PALETTE_MIME) && !event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);
  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(PALETTE_MIME);
      const files = [...event.dataTransfer.files];
      if (!type && files.length === 0) return;
      event.preventDefault();
      const point = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      if (!type) return void controller.addFiles(files, { x: point.x - 110, y: point.y - 24 });
      // Centre the node's header under the pointer rather than its corner.
      documentStore.getState().dispatch(addNode, { type, position: { x: point.x - 110, y: point.y - 24 } });
    },
    [flow],
  );

  return (
    <div className={`canvas${overview ? ' canvas--overview' : ''}`} ref={wrapper} data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<FlowNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeDragStart={beginGesture}
        onNodeDragStop={endGesture}
        onSelectionDragStart={beginGesture}
        onSelectionDragStop={endGesture}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Control', 'Meta']}
        colorMode="dark"
        minZoom={0.1}
        maxZoom={2}
        fitViewOptions={fitViewOptions}
        proOptions={proOptions}
        defaultEdgeOptions={{ type: 'default' }}
        connectionRadius={24}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1} />
        {roomForMinimap && <MiniMap pannable zoomable nodeStrokeWidth={3} className="minimap" nodeClassName={minimapClass} style={minimapStyle} />}
        <Controls showInteractive={false} />
        <ConnectionHint />
      </ReactFlow>
      {content.nodes.length === 0 && <EmptyCanvas />}
    </div>
  );
}

function EmptyCanvas() {
  const { uiStore } = useServices();
  return (
    <div className="empty-canvas" data-testid="empty-canvas">
      <div className="empty-canvas__card">
        <h2>Build a pipeline</h2>
        <p>Drag nodes from the palette on the left and wire an output to an input of the same type, or drop a CSV, JSON, JSON Lines or Parquet file here.</p>
        <button type="button" className="btn" onClick={() => uiStore.getState().setDialog({ kind: 'open' })}>
          Open a pipeline or an example
        </button>
        <div className="empty-canvas__keys">
          Ctrl+K commands (add nodes, connect ports, run, save) · Ctrl+Enter run · Ctrl+Z undo · Ctrl+Shift+Z redo · Ctrl+C / Ctrl+V copy and paste ·
          arrows move the selection · Delete removes it
        </div>
      </div>
    </div>
  );
}

