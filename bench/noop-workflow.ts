/** The cheapest workflow there is: what Temporal itself costs per run, with none of our work in it. */
export async function noopWorkflow(): Promise<void> {}
