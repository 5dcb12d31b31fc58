#!/usr/bin/env node
// Entry of the `neurite` bin (dist/cli.js): runs the command line in main.ts.
import { main } from './main.js';

void main();
