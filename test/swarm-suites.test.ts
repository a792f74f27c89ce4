// Every suite that runs on the Docker-in-Docker test swarm (test/support/swarm-cluster.ts), in one
// file so that they share one swarm: the first suite makes it, each later one gets it restored to 3
// ready, active nodes, and it is removed once all have run. vitest.config.ts keeps the
// `*.swarm.test.ts` files from running on their own.
import { afterAll } from 'vitest';
import { destroySwarmCluster } from './support/swarm-cluster.js';
import '../src/runtime/swarm/swarm-runtime.swarm.test.js';
import '../src/runtime/swarm/swarm-fleet.swarm.test.js';
import '../src/runtime/swarm/swarm-placement.swarm.test.js';
import '../src/health/fleet-balancer.swarm.test.js';
import '../src/main/fleet-network.swarm.test.js';
import './e2e/fleet.swarm.test.js';

afterAll(() => destroySwarmCluster(), 180_000);
