import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { FleetContainersAnswer, FleetContainersQuery } from '../../schema/fleet-containers.ts';
import type { FleetService } from '../../services/fleet-service.ts';
import type { ToolKit } from './operational-workflows.ts';

export interface FleetToolDeps {
  fleet: FleetService;
}

/** Tools over the whole fleet, answered from what is stored (they never open SSH). */
export function registerFleetTools(server: McpServer, deps: FleetToolDeps, kit: Pick<ToolKit, 'answer'>): void {
  server.registerTool(
    'list_all_containers',
    {
      title: 'Containers of the whole fleet',
      description:
        "Every Docker container of every device (or of one), from each device's newest stored containers answer: state, " +
        'status, image, health, restarts, exit code, ports, compose project and usage. Filter by device, state (running, ' +
        'exited, restarting...) and a name substring; paged with limit/offset (total says how many match). Never collects: ' +
        "`sources` gives the age of each device's answer (get_containers with force_refresh collects one device anew).",
      inputSchema: FleetContainersQuery.shape,
      outputSchema: FleetContainersAnswer,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) => kit.answer(() => deps.fleet.containers(FleetContainersQuery.parse(args))),
  );
}
