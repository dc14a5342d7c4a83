// Every example reads its credentials from the environment, never from its source.

/** The variable's value; exits with a message naming it when it is not set. */
export function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    console.error(`Set ${name} (see examples/README.md).`);
    process.exit(2);
  }
  return value;
}

/** The variable's value, or undefined: e.g. a base URL that points the client at a mock. */
export function optionalEnv(name: string): string | undefined {
  return process.env[name] || undefined;
}
