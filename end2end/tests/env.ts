import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const PARLOR_PORT = Number(process.env.PARLOR_E2E_PORT ?? 3900);
export const DEMO_PORT = PARLOR_PORT + 2;
export const CUSTOMER_PORT = PARLOR_PORT + 1;
/** Another data directory (PARLOR_E2E_DATA) lets a second suite run beside the default one. */
export const DATA_DIR = process.env.PARLOR_E2E_DATA ?? path.join(REPO_ROOT, "target", "e2e-data");
export const PARLOR_BIN = path.join(REPO_ROOT, "target", "release", "parlor");
/** Parlor as browsers on the customer page reach it: another origin than the page. */
export const PARLOR_URL = `http://localhost:${PARLOR_PORT}`;
export const CUSTOMER_URL = `http://127.0.0.1:${CUSTOMER_PORT}`;
export const DEMO_URL = `http://127.0.0.1:${DEMO_PORT}`;
