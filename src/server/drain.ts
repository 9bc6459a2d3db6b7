import type { Server } from 'node:net';

/**
 * Before the listener closes on SIGTERM, accept and start reading every
 * connection the kernel has already completed. Closing a listening socket
 * resets the connections still waiting in its accept backlog, and Node's
 * `server.close()` also drops accepted connections whose request has not been
 * parsed yet (they look idle), so without this a client whose request had
 * fully arrived before SIGTERM could get a reset (issue 11, defect 5).
 *
 * libuv accepts until the backlog is empty each time the event loop polls,
 * and reads an accepted socket's bytes at the next poll; so we let the loop
 * poll twice per round, and stop after a round in which nothing new arrived
 * (at most `maxRounds`, so a steady stream of new clients cannot hold the
 * shutdown open). Returns how many connections were accepted meanwhile.
 */
export async function acceptBacklog(server: Server, maxRounds = 50): Promise<number> {
  let total = 0;
  for (let round = 0; round < maxRounds && server.listening; round++) {
    let accepted = 0;
    const count = () => {
      accepted++;
    };
    server.on('connection', count);
    try {
      await nextPoll();
      await nextPoll();
    } finally {
      server.off('connection', count);
    }
    total += accepted;
    if (accepted === 0) break;
  }
  return total;
}

/** Resolves after the event loop has been through its poll phase once more. */
function nextPoll(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
