import { Body, Controller, Get, Post } from '@nestjs/common'
import type { Pool } from '@pools/core/pg'
import { InjectDrizzle, InjectPool } from '@pools/nestjs'
import { getTableName } from 'drizzle-orm'
import type { NodePgDatabase } from 'drizzle-orm/node-postgres'
import { orders } from './schema.js'

@Controller('orders')
export class OrdersController {
  constructor(
    @InjectDrizzle('primary') private readonly db: NodePgDatabase,
    @InjectPool('replica') private readonly replica: Pool,
  ) {}

  /** Writes go to the primary pool, through Drizzle. */
  @Post()
  async create(@Body() body: { item: string; qty: number }) {
    const [row] = await this.db.insert(orders).values({ item: body.item, qty: body.qty }).returning()
    return row
  }

  /** Reads go to the replica pool (here the same server), with plain pg. */
  @Get()
  async list() {
    const { rows } = await this.replica.query(`SELECT id, item, qty FROM ${getTableName(orders)} ORDER BY id`)
    return rows
  }
}
