// knex ships no types for its dialect modules; @pools/knex only needs their constructors.
declare module 'knex/lib/dialects/postgres/index.js' {
  const ClientPg: new (config: object) => object
  export default ClientPg
}
declare module 'knex/lib/dialects/mysql2/index.js' {
  const ClientMysql2: new (config: object) => object
  export default ClientMysql2
}
