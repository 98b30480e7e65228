// Types of /assets/yaml/index.js, which server/web.ts serves from the package.
export * from 'yaml';
