#!/usr/bin/env node
import { runCli } from './main.js';

/**
 * The same CLI as a kubectl plugin: kubectl runs an executable named kubectl-placement found on PATH for
 * `kubectl placement …`, with the arguments after "placement".
 */
runCli('kubectl placement');
