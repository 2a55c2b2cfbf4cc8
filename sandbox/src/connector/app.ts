// PLACEHOLDER: replaced by the service's implementation.
import express from 'express';
import type { SandboxContext } from '../context';

export function createConnectorApp(_ctx: SandboxContext): express.Express {
  return express();
}
