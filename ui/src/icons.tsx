// Inline stroke icons (no icon font, nothing fetched).
const P: Record<string, string> = {
  grip: 'M9 5h.01M15 5h.01M9 12h.01M15 12h.01M9 19h.01M15 19h.01',
  plus: 'M12 5v14M5 12h14',
  x: 'M6 6l12 12M18 6L6 18',
  trash: 'M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3',
  copy: 'M8 8h11v11H8zM5 16V5h11',
  eye: 'M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12zM12 9a3 3 0 100 6 3 3 0 000-6z',
  'eye-off': 'M3 3l18 18M10.6 5.1A10 10 0 0112 5c6 0 10 7 10 7a17 17 0 01-3 3.8M6.6 6.6A17 17 0 002 12s4 7 10 7a9.7 9.7 0 005.4-1.6M9.9 9.9a3 3 0 004.2 4.2',
  up: 'M12 19V5M6 11l6-6 6 6',
  down: 'M12 5v14M6 13l6 6 6-6',
  collapse: 'M6 15l6-6 6 6',
  left: 'M15 6l-6 6 6 6',
  right: 'M9 6l6 6-6 6',
  expand: 'M6 9l6 6 6-6',
  play: 'M7 4l13 8-13 8z',
  save: 'M5 3h11l4 4v14H5zM8 3v6h8M8 21v-7h8v7',
  undo: 'M9 14L4 9l5-5M4 9h10a6 6 0 010 12h-3',
  redo: 'M15 14l5-5-5-5M20 9H10a6 6 0 000 12h3',
  search: 'M11 4a7 7 0 100 14 7 7 0 000-14zM21 21l-5-5',
  fn: 'M14 4h-2a3 3 0 00-3 3v13M6 11h7',
  globe: 'M12 3a9 9 0 100 18 9 9 0 000-18zM3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18',
  clock: 'M12 3a9 9 0 100 18 9 9 0 000-18zM12 7v5l3 3',
  table: 'M3 5h18v14H3zM3 10h18M3 15h18M9 5v14',
  layers: 'M12 3l9 5-9 5-9-5zM3 13l9 5 9-5',
  list: 'M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01',
  history: 'M3 12a9 9 0 109-9 9 9 0 00-7 3.3M3 4v4h4M12 7v5l3 2',
  upload: 'M12 16V4M6 10l6-6 6 6M4 20h16',
  download: 'M12 4v12M6 10l6 6 6-6M4 20h16',
  key: 'M15 7a4 4 0 11-3.9 5H4v3h3v3h3v-3h1.1A4 4 0 0115 7zM16 10h.01',
  refresh: 'M20 11a8 8 0 10-2.3 5.7M20 4v7h-7',
  bug: 'M8 8h8v9a4 4 0 01-8 0zM4 12h4M16 12h4M5 19l3-2M19 19l-3-2M5 5l3 3M19 5l-3 3M10 4l1 2M14 4l-1 2',
  logout: 'M15 4h4v16h-4M10 17l5-5-5-5M15 12H3',
  edit: 'M4 20h4L19 9l-4-4L4 16zM13 7l4 4',
  check: 'M5 12l5 5 9-10',
  terminal: 'M4 17l6-5-6-5M12 19h8',
  send: 'M4 12l16-8-6 16-3-7z',
};
export function Icon({ name, size = 16 }: { name: string; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={name === 'grip' ? 3 : 1.8}
      strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d={P[name] ?? P.x} />
    </svg>
  );
}
