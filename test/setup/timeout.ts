// Integration tests wait on real workflows, retries included.
jest.setTimeout(120_000);
