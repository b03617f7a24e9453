export function SearchBox() {
  return (
    <form action="/search" method="get" role="search" className="flex min-w-[18rem] flex-1 items-center gap-2 md:max-w-xl">
      <label htmlFor="console-search" className="sr-only">
        Search by prompt id, session id, trace id, tool_use_id, email or account id
      </label>
      <input
        id="console-search"
        name="q"
        type="search"
        required
        placeholder="Prompt id, session id, trace id, toolu_…, email, account id"
        className="field w-full"
      />
      <button type="submit" className="btn-secondary">
        Go
      </button>
    </form>
  );
}
