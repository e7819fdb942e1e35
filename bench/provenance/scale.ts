// placeholder, replaced below
export async function runScale(_args: string[]): Promise<void> {}
