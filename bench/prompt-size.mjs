// Prompt size: request bytes per turn over a 20-turn conversation through a `question -> answer`
// session with ChatAdapter, measured at the server (the JSON request body's content-length).
// Checks that the system prompt is sent once per request and is byte-identical on every turn, and
// that each request is the previous one plus the new turn (append-only: provider prefix caching
// hits). Reference: Ax re-sends its whole system prompt every turn, 180,922 bytes for 20 one-field
// turns; the target is under half of that for this conversation.
import { framework, sessionPackage } from './lib/fixtures.mjs';
import { NotBuilt } from './lib/load.mjs';
import { main, row } from './lib/report.mjs';
import { startServerProcess } from './lib/server-process.mjs';
import { fmtBytes } from './lib/stats.mjs';

const AX_BYTES = 180_922;

/** The conversation, verbatim: 20 turns of one input field and one output field. */
export const CONVERSATION = [
  [
    'I am planning a two-week trip to Japan in April. Which cities should I prioritize?',
    'For two weeks in April, prioritize Tokyo, Kyoto and Osaka, and add Hiroshima with a day trip to Miyajima. April is cherry blossom season, so book hotels early.',
  ],
  [
    'How many days would you spend in Tokyo?',
    'Spend four to five days in Tokyo: one for Asakusa and Ueno, one for Shibuya and Harajuku, one for Shinjuku, and one or two for day trips such as Nikko or Kamakura.',
  ],
  [
    'Is the Japan Rail Pass still worth it?',
    'After the 2023 price increase, the 14-day pass pays off only if you make several long shinkansen trips, for example Tokyo to Hiroshima and back. Otherwise buy single tickets.',
  ],
  [
    'What is the best way to get from the airport to central Tokyo?',
    'From Narita take the Narita Express or the Keisei Skyliner (about an hour). From Haneda take the Keikyu line or the Tokyo Monorail, which reach the center in 20 to 30 minutes.',
  ],
  [
    'Which neighborhood should I stay in?',
    'Stay near a major JR station on the Yamanote line: Shinjuku for nightlife and connections, Ginza or Tokyo Station for a calmer base, Ueno for lower prices.',
  ],
  [
    'Do I need cash or are cards accepted everywhere?',
    'Cards work in most hotels, chains and department stores, but small restaurants, temples and rural shops often take cash only. Carry 10,000 to 20,000 yen.',
  ],
  [
    'What is a good day trip from Kyoto?',
    'Nara is the classic choice: the deer park, Todai-ji and its giant Buddha, and Kasuga Taisha, all within 45 minutes of Kyoto by train.',
  ],
  [
    'How early should I arrive at Fushimi Inari to avoid crowds?',
    'Arrive before 7:30 in the morning. The lower gates fill up by 9:00, but the crowds thin out a lot past the Yotsutsuji intersection halfway up.',
  ],
  [
    'Can you suggest a food I must try in Osaka?',
    'Try takoyaki and okonomiyaki in Dotonbori, and kushikatsu in Shinshekai. Remember the rule: never double-dip the skewers in the shared sauce.',
  ],
  [
    'Is it rude to tip in restaurants?',
    'Tipping is not expected and can cause confusion. Good service is included; a sincere thank you, gochisousama deshita, when you leave is the polite gesture.',
  ],
  [
    'How do I use the IC cards like Suica?',
    'Buy a Suica or PASMO at a station machine or add one to your phone wallet, top it up with cash, and tap in and out at the gates. It also works in convenience stores.',
  ],
  [
    'What should I pack for April weather?',
    'Pack layers: days are 15 to 20 degrees Celsius and evenings are cool. Bring a light jacket, comfortable walking shoes and a compact umbrella for spring showers.',
  ],
  [
    'Are there etiquette rules for onsen?',
    'Wash thoroughly at the showers before entering, keep your small towel out of the water, do not swim, and check the tattoo policy, as many baths still refuse tattoos.',
  ],
  [
    'Which day is best for visiting Hiroshima?',
    'Visit on a weekday. Start at the Peace Memorial Museum when it opens, then take the ferry to Miyajima in the afternoon to see the floating torii at high tide.',
  ],
  [
    'How do I book a ryokan stay?',
    'Book through the ryokan website or a site like Japanican or Rakuten Travel. Dinner and breakfast are usually included, so check the meal times when you arrive.',
  ],
  [
    'Is it easy to get around with only English?',
    'Yes in the big cities: stations, signs and trains have English. In small towns fewer people speak English, so a translation app with offline Japanese helps.',
  ],
  [
    'What souvenirs are popular?',
    'Popular souvenirs are regional sweets such as Kyoto yatsuhashi, good kitchen knives from Sakai, tenugui cloths, matcha, and stationery from Itoya or Loft.',
  ],
  [
    'How much should I budget per day?',
    'A mid-range traveler spends about 15,000 to 25,000 yen a day on lodging, food and local transport, plus the shinkansen tickets and any paid attractions.',
  ],
  [
    'Any tips for the last day before flying home?',
    'Forward big luggage to the airport with a takkyubin service the day before, keep the morning light, and leave three hours for Narita or two for Haneda.',
  ],
  [
    'Thanks! Can you summarize the plan in one sentence?',
    'Fly into Tokyo for five days, ride to Kyoto for four with a Nara day trip, spend two in Osaka, one in Hiroshima and Miyajima, and return to Tokyo to fly home.',
  ],
];

export async function run() {
  const { core, QA } = await framework();
  const sessionPkg = await sessionPackage();
  if (!sessionPkg) throw new NotBuilt('@dspy-ts/session (sessionify)');
  const server = await startServerProcess({ reply: 'scripted', answers: CONVERSATION.map(([, a]) => a) });
  try {
    const lm = new core.LM('openai/gpt-4o-mini', { baseURL: server.url, apiKey: 'bench', cache: false });
    core.configure({ lm });
    const session = sessionPkg.sessionify(new core.Predict(QA));
    for (const [question, answer] of CONVERSATION) {
      const prediction = await session.call({ question });
      if (prediction.answer !== answer) throw new Error(`unexpected answer: ${prediction.answer}`);
    }
    const requests = await server.requests();
    if (requests.length !== CONVERSATION.length)
      throw new Error(`expected 20 requests, saw ${requests.length}`);

    const bytes = requests.map((r) => r.bytes);
    const total = bytes.reduce((a, b) => a + b, 0);
    const systemOf = (r) => r.body.messages.filter((m) => m.role === 'system');
    const systems = requests.map(systemOf);
    const systemOnce = systems.every((s) => s.length === 1);
    const systemText = systems[0][0]?.content ?? '';
    const systemStable = systems.every((s) => s[0]?.content === systemText);
    // Append-only: everything before a request's last (current) user message is a prefix of the next request.
    let appendOnly = true;
    for (let k = 0; k + 1 < requests.length; k++) {
      const now = requests[k].body.messages;
      const next = requests[k + 1].body.messages;
      for (let i = 0; i < now.length - 1; i++) {
        if (JSON.stringify(now[i]) !== JSON.stringify(next[i])) appendOnly = false;
      }
    }
    const growth = bytes.slice(1).map((b, i) => b - bytes[i]);
    const avgGrowth = growth.reduce((a, b) => a + b, 0) / growth.length;
    // What one turn adds in content: the previous question and answer (as JSON string bytes).
    const content = CONVERSATION.slice(0, -1).map(
      ([q, a]) => Buffer.byteLength(JSON.stringify(q) + JSON.stringify(a)) - 4,
    );
    const avgContent = content.reduce((a, b) => a + b, 0) / content.length;
    const systemBytes = Buffer.byteLength(JSON.stringify(systemText));
    const ratio = total / AX_BYTES;
    const data = {
      bytesPerRequest: bytes,
      totalBytes: total,
      axBytes: AX_BYTES,
      systemPromptBytes: systemBytes,
      systemSentOncePerRequest: systemOnce,
      systemByteIdentical: systemStable,
      appendOnly,
      growthPerTurn: growth,
      avgGrowthBytes: avgGrowth,
      avgTurnContentBytes: avgContent,
      conversation:
        'bench/prompt-size.mjs CONVERSATION (20 turns, question -> answer, model openai/gpt-4o-mini)',
    };
    return [
      row({
        bench: 'prompt',
        figure: '20-turn question -> answer session (ChatAdapter): total request bytes at the server',
        value: `${total.toLocaleString('en-US')} B (first ${fmtBytes(bytes[0])}, last ${fmtBytes(bytes.at(-1))})`,
        baseline: `Ax 24: ${AX_BYTES.toLocaleString('en-US')} B (reference)`,
        ratio,
        target: '< 0.50x of Ax',
        pass: ratio < 0.5,
        data,
      }),
      row({
        bench: 'prompt',
        figure: 'system prompt sent once per request and byte-identical on all 20 turns (prefix caching)',
        value: `${systemOnce && systemStable ? 'yes' : 'NO'}: ${systemBytes} B, 1 system message per request`,
        baseline: '',
        target: 'identical',
        pass: systemOnce && systemStable,
        data,
      }),
      row({
        bench: 'prompt',
        figure: 'growth per turn vs the new turn content (append-only prefix)',
        value: `+${Math.round(avgGrowth)} B/turn for ${Math.round(avgContent)} B of content; append-only ${appendOnly ? 'yes' : 'NO'}`,
        baseline: `content ${Math.round(avgContent)} B/turn`,
        ratio: avgGrowth / avgContent,
        target: 'append-only',
        pass: appendOnly,
        data,
      }),
    ];
  } finally {
    await server.close();
  }
}

main(import.meta.url, run, [
  ['prompt', '20-turn session: total request bytes at the server', '< 0.50x of Ax'],
  ['prompt', 'system prompt byte-identical across turns', 'identical'],
]);
