// A handle on a side panel's left edge: drag it (or focus it and press ←/→)
// to make the panel wider or narrower; the width is kept per panel (the
// side dock is one), in localStorage.
import { useEffect, useRef } from 'react';

const key = (name: string) => `funcstack.width.${name}`;
// a panel is 260 px at least, and leaves the editor 540 px (a stack column of 480 px and its margins)
const clamp = (w: number) => {
  const side = document.querySelector('.sidebar')?.getBoundingClientRect().width ?? 0;
  return Math.max(260, Math.min(w, Math.round(window.innerWidth * 0.6), window.innerWidth - side - 540));
};

export function Resizer({ name }: { name: string }) {
  const el = useRef<HTMLDivElement>(null);
  const panel = () => el.current?.nextElementSibling as HTMLElement | null;
  const apply = (w: number) => {
    const p = panel();
    if (p) p.style.width = `${clamp(w)}px`;
  };
  // the kept width, once when the panel shows (not on every render: clamping reads the layout)
  useEffect(() => {
    const w = Number(localStorage.getItem(key(name)));
    if (w) apply(w);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [name]);
  // a narrower window clamps the kept width again
  useEffect(() => {
    const f = () => { const w = Number(localStorage.getItem(key(name))); if (w) apply(w); };
    window.addEventListener('resize', f);
    return () => window.removeEventListener('resize', f);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [name]);
  const keep = () => { const p = panel(); if (p) localStorage.setItem(key(name), String(p.getBoundingClientRect().width)); };
  return (
    <div ref={el} className="resizer" role="separator" aria-orientation="vertical" aria-label={`Resize the ${name} panel`} tabIndex={0}
      aria-valuemin={260} aria-valuemax={1200} aria-valuenow={Number(localStorage.getItem(key(name))) || 400}
      onPointerDown={(e) => {
        const p = panel();
        if (!p) return;
        e.preventDefault();
        const x0 = e.clientX, w0 = p.getBoundingClientRect().width;
        const move = (m: PointerEvent) => apply(w0 + (x0 - m.clientX));
        const up = () => { window.removeEventListener('pointermove', move); window.removeEventListener('pointerup', up); keep(); };
        window.addEventListener('pointermove', move);
        window.addEventListener('pointerup', up);
      }}
      onKeyDown={(e) => {
        const p = panel();
        if (!p || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
        e.preventDefault();
        apply(p.getBoundingClientRect().width + (e.key === 'ArrowLeft' ? 24 : -24));
        keep();
      }} />
  );
}
