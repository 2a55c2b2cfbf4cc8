// PLACEHOLDER: replaced by the service's implementation.
import express from 'express';
import type { SandboxContext } from '../context';

export function createEwsApp(_ctx: SandboxContext, _organisation: 'online' | 'server'): express.Express {
  return express();
}
