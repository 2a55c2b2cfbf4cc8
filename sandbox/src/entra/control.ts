// PLACEHOLDER: replaced by the service's implementation.
import express from 'express';
import type { SandboxContext } from '../context';

export function createEntraControlRouter(_ctx: SandboxContext): express.Router {
  return express.Router();
}
