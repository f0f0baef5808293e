/** @pools/drizzle/mysql2 on drizzle-orm 0.45 (the suite is in mysql2-suite.ts). */
import { drizzle as ours } from '@pools/drizzle/mysql2'
import * as root from 'drizzle-orm'
import * as core from 'drizzle-orm/mysql-core'
import { drizzle as orm } from 'drizzle-orm/mysql2'
import { mysql2Suite } from './mysql2-suite.js'

mysql2Suite({ version: '0.45', ours, orm, core, root })
