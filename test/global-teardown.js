module.exports = async function globalTeardown() {
  for (const container of globalThis.__FB_CONTAINERS__ ?? []) await container.stop();
};
