/** @pools/drizzle/node-postgres on drizzle-orm 0.45 (the suite is in pg-suite.ts). */
import { drizzle as ours } from '@pools/drizzle/node-postgres'
import * as root from 'drizzle-orm'
import { drizzle as orm } from 'drizzle-orm/node-postgres'
import * as core from 'drizzle-orm/pg-core'
import { pgSuite } from './pg-suite.js'

pgSuite({ version: '0.45', ours, orm, core, root })
