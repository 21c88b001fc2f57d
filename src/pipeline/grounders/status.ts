/** A status line is a nicety: a transport that cannot show one must not cost the user the checks. */
export async function showStatus(context: { status(text: string): Promise<void> }, text: string): Promise<void> {
  try {
    await context.status(text);
  } catch {
    // Ignored on purpose: the answer itself reports transport failures.
  }
}
