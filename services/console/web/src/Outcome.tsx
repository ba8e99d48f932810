/** What the last action came to: a notice read out politely (status), a problem read out at once (alert). */
export function Outcome({ notice, problem }: { notice?: string | null; problem?: string | null }) {
  return (
    <>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}
