/**
 * `--hosts a:3306,b:3307,c:3308`: the nodes of a cluster (Galera) that one run spreads its workers
 * over. Each node is reached with the run's own credentials, database and TLS; only host and port
 * differ. Worker w starts on node w mod N (round-robin), and moves to the next node when its
 * connection is lost (see engine/nodeRouting.ts).
 */
export interface NodeAddress {
  host: string;
  port: number;
}

/** The nodes named by a --hosts list; throws one line naming the bad entry. */
export function parseHosts(text: string, defaultPort = 3306): NodeAddress[] {
  const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) throw new Error(`--hosts ${JSON.stringify(text.slice(0, 60))}: expected host:port,host:port,…`);
  const nodes = entries.map((entry) => {
    // [v6]:port, host:port, or a bare host (the default port).
    const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(entry);
    const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
    if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`--hosts: ${JSON.stringify(entry.slice(0, 60))} is not host:port (port 1-65535)`);
    }
    return { host: match[1] ?? match[2]!, port };
  });
  const labels = nodes.map(nodeLabel);
  const twice = labels.find((label, i) => labels.indexOf(label) !== i);
  if (twice) throw new Error(`--hosts: ${twice} is listed twice`);
  return nodes;
}

export function nodeLabel(node: NodeAddress): string {
  return node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;
}
