// PLACEHOLDER: replaced by the service's implementation.
import express from 'express';
import type { SandboxContext } from '../context';

export function createEntraApp(_ctx: SandboxContext): express.Express {
  return express();
}
