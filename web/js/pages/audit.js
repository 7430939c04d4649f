// Admin: the audit log with filters (entity, entity id, user) and paging to older events.

import { api, cached } from '../api.js';
import { h, replace, field, input, select } from '../ui.js';
import { fmtTs } from '../format.js';

const ENTITIES = ['', 'patient', 'appointment', 'plan', 'screening', 'consent', 'session_record', 'lot', 'day_sheet', 'user', 'room',
  'availability', 'time_off', 'catalog_condition', 'catalog_treatment_type', 'catalog_area'];

export async function render(root, { query, isCurrent }) {
  const params = {
    entity: query.entity || '',
    entity_id: query.entity_id || '',
    user_id: query.user_id || '',
    before_id: query.before_id || '',
    limit: query.limit || '100',
  };
  const [events, users] = await Promise.all([api.get('/audit', params), cached('/users')]);
  if (!isCurrent()) return;
  const userName = (id) => (id == null ? 'system' : (users.items.find((u) => u.id === id) || {}).username || `user ${id}`);

  const entity = select({ name: 'entity' }, ENTITIES.map((e) => [e, e || 'Any']), params.entity);
  if (params.entity && !ENTITIES.includes(params.entity)) entity.append(h('option', { value: params.entity, selected: true }, params.entity));
  const entityId = input({ name: 'entity_id', type: 'number', min: 1, value: params.entity_id });
  const user = select({ name: 'user_id' }, [['', 'Anyone'], ...users.items.map((u) => [u.id, `${u.display_name} (${u.username})`])], params.user_id);
  const limit = select({ name: 'limit' }, [['50', '50'], ['100', '100'], ['200', '200'], ['500', '500']], params.limit);
  const form = h('form', { class: 'toolbar filters', novalidate: true },
    field('Entity', entity), field('Entity id', entityId), field('User', user), field('Show', limit),
    h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
    h('a', { class: 'button', href: '#/admin/audit' }, 'Clear'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const el of [entity, entityId, user, limit]) if (el.value) q.set(el.name, el.value);
    location.hash = `#/admin/audit?${q}`;
  });

  const last = events.items[events.items.length - 1];
  const older = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...params, before_id: last ? String(last.id) : '' })) if (v) older.set(k, v);

  replace(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Audit log')),
    h('p', {}, 'Every write and every read of clinical data, newest first. Each event is chained to the one before by a SHA-256 hash.'),
    form,
    events.items.length ? h('table', { class: 'list audit' },
      h('thead', {}, h('tr', {}, ['#', 'When', 'User', 'Action', 'Entity', 'Detail', 'From', 'Hash'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, events.items.map((ev) => h('tr', {},
        h('td', { class: 'num' }, String(ev.id)),
        h('td', {}, fmtTs(ev.at)),
        h('td', {}, userName(ev.user_id)),
        h('td', {}, ev.action),
        h('td', {}, ev.entity_id ? h('a', { href: `#/admin/audit?entity=${encodeURIComponent(ev.entity)}&entity_id=${ev.entity_id}` }, `${ev.entity} ${ev.entity_id}`) : ev.entity),
        h('td', {}, ev.detail || ''),
        h('td', {}, ev.remote),
        h('td', { class: 'hash', title: ev.hash }, ev.hash.slice(0, 10)))))) : h('p', {}, 'No events match.'),
    h('div', { class: 'actions' },
      params.before_id ? h('a', { class: 'button', href: `#/admin/audit?${new URLSearchParams(Object.entries({ ...params, before_id: '' }).filter(([, v]) => v))}` }, 'Newest') : null,
      last && events.items.length >= Number(params.limit) ? h('a', { class: 'button', href: `#/admin/audit?${older}` }, 'Older events') : null));
}
