/** The service's version: in /v1/health, the OpenAPI document and the sockbench_info metric. */
export const VERSION = '0.1.0';
