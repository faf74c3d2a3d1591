import Box from '@cloudscape-design/components/box';
import Table from '@cloudscape-design/components/table';
import cytoscape from 'cytoscape';
import { useEffect, useRef } from 'react';
import { useNavigate } from 'react-router-dom';
import { RouterLink } from './links';
import { type Answer, Status } from './page-kit';

type Impact = Answer<'/v1/cis/{id}/impact', 'get'>;
type Reached = Impact['cis'][number];

/** One CI of the neighbourhood: how it relates to the root (it depends on the root, or the root on it). */
export interface GraphNode extends Reached {
  side: 'depends on this CI' | 'this CI depends on it';
}

/**
 * The CIs around a CI along dependencies, from the configuration service's impact route in both
 * directions (FitSM PR11: what a failure would touch, what the CI needs): downstream CIs depend on
 * the root, upstream CIs are what the root depends on. Each CI appears once, on the side and depth
 * it was first reached.
 */
export function neighbourhood(downstream: Impact, upstream: Impact): GraphNode[] {
  const seen = new Set<string>([downstream.root.ciId]);
  const out: GraphNode[] = [];
  for (const [impact, side] of [
    [downstream, 'depends on this CI'],
    [upstream, 'this CI depends on it'],
  ] as const)
    for (const c of impact.cis) {
      if (seen.has(c.ciId)) continue;
      seen.add(c.ciId);
      out.push({ ...c, side });
    }
  return out;
}

/**
 * The impact graph, drawn with cytoscape: arrows point from a CI to what it depends on. The canvas
 * is a picture for sighted mouse users; the table after it lists the same CIs (with links) for
 * screen readers and keyboard users, so the canvas itself is hidden from assistive technology.
 */
export function ImpactGraph({ root, nodes }: { root: Impact['root']; nodes: GraphNode[] }) {
  const box = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  useEffect(() => {
    if (!box.current) return;
    const byId = new Map(nodes.map((n) => [n.ciId, n]));
    const label = (n: { number?: string; name?: string; ciId: string }) =>
      `${n.number ?? n.ciId}\n${n.name ?? ''}`.trim();
    const elements: cytoscape.ElementDefinition[] = [
      { data: { id: root.ciId, label: label(root), number: root.number, kind: 'root' } },
      ...nodes.map((n) => ({ data: { id: n.ciId, label: label(n), number: n.number ?? n.ciId, kind: n.side } })),
      ...nodes
        .filter((n) => n.via === root.ciId || byId.has(n.via))
        .map((n) =>
          // Downstream: n was reached because it depends on `via`; upstream: `via` depends on n.
          n.side === 'depends on this CI'
            ? { data: { id: `${n.ciId}>${n.via}`, source: n.ciId, target: n.via } }
            : { data: { id: `${n.via}>${n.ciId}`, source: n.via, target: n.ciId } },
        ),
    ];
    const cy = cytoscape({
      container: box.current,
      elements,
      layout: {
        name: 'breadthfirst',
        directed: true,
        roots: nodes.length ? undefined : [root.ciId],
        padding: 16,
        spacingFactor: 1.1,
      },
      userZoomingEnabled: false,
      boxSelectionEnabled: false,
      autoungrabify: true,
      style: [
        {
          selector: 'node',
          style: {
            label: 'data(label)',
            'text-wrap': 'wrap',
            'text-valign': 'bottom',
            'text-margin-y': 4,
            'font-size': 11,
            color: '#0f141a',
            'background-color': '#006ce0',
            width: 18,
            height: 18,
          },
        },
        { selector: 'node[kind = "root"]', style: { 'background-color': '#c33d69', width: 26, height: 26 } },
        { selector: 'node[kind = "this CI depends on it"]', style: { 'background-color': '#037f0c' } },
        {
          selector: 'edge',
          style: {
            width: 1.5,
            'line-color': '#8c8c94',
            'target-arrow-color': '#8c8c94',
            'target-arrow-shape': 'triangle',
            'curve-style': 'bezier',
          },
        },
      ],
    });
    cy.on('tap', 'node', (e) => {
      const number = e.target.data('number') as string | undefined;
      if (number && e.target.id() !== root.ciId) navigate(`/cis/${number}`);
    });
    return () => cy.destroy();
  }, [root, nodes, navigate]);
  return (
    <div>
      <div
        ref={box}
        aria-hidden="true"
        data-testid="impact-graph"
        style={{ height: 380, width: '100%', border: '1px solid #e9ebed', borderRadius: 8 }}
      />
      <Box variant="small" color="text-body-secondary">
        Red: this CI. Blue: CIs that depend on it. Green: CIs it depends on. Arrows point to what a CI depends on.
      </Box>
      <Table<GraphNode>
        variant="embedded"
        header={<Box variant="h3">CIs in the graph</Box>}
        ariaLabels={{ tableLabel: `CIs related to ${root.number} by dependency` }}
        items={nodes}
        trackBy="ciId"
        empty="Nothing depends on this CI and it depends on nothing."
        columnDefinitions={[
          {
            id: 'number',
            header: 'CI',
            cell: (n) => <RouterLink href={`/cis/${n.number ?? n.ciId}`}>{n.number ?? n.ciId}</RouterLink>,
            isRowHeader: true,
          },
          { id: 'name', header: 'Name', cell: (n) => n.name ?? '—' },
          { id: 'type', header: 'Type', cell: (n) => n.typeId ?? '—' },
          { id: 'status', header: 'Status', cell: (n) => <Status value={n.status} /> },
          { id: 'side', header: 'Relation', cell: (n) => n.side },
          { id: 'depth', header: 'Hops', cell: (n) => n.depth },
        ]}
      />
    </div>
  );
}
